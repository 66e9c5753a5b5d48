"""Le noyau : erreurs, écritures atomiques et verrous, réglages, textes, dates, zip sûrs."""
