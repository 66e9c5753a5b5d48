"""Les exports : carte imprimable, fichiers SIG, carnet de suivi, sauvegarde, publication."""
