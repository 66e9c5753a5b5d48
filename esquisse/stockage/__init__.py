"""Le stockage d'Esquisse : ce que le domaine range, et deux magasins qui savent le ranger.

- :mod:`~esquisse.stockage.interfaces` : les contrats (``Protocol``) : versions d'une hypothèse,
  documents à révision, brouillons et présence ;
- :mod:`~esquisse.stockage.enregistrement` : la fusion d'un enregistrement, en fonctions pures,
  partagée par les deux magasins ;
- :mod:`~esquisse.stockage.disque` : les fichiers du dossier ``ESQUISSE_PROJETS`` (par défaut) ;
- :mod:`~esquisse.stockage.postgis` : PostgreSQL + PostGIS (réglage ``ESQUISSE_BASE``) ;
- :mod:`~esquisse.stockage.choix` : le magasin de ce processus, d'après les réglages.
"""
