"""L'atelier : fiche, séances et hypothèses, participants, feuille de route, relevé, chronologie, vues."""
