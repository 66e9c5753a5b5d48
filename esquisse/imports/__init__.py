"""L'import de couches : ouverture sûre des fichiers, correspondances, import, dérivation."""
