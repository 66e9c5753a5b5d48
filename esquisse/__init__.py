"""Esquisse : le domaine (ateliers, couches, cartes, versions). N'importe jamais Streamlit.

Un sous-paquet par sujet :

- :mod:`esquisse.noyau` : erreurs en français, écritures atomiques et verrous, réglages, textes, dates ;
- :mod:`esquisse.stockage` : où vivent versions, documents et brouillons. Ses contrats
  (``interfaces.py``), le magasin de fichiers par défaut (``disque.py``) et le magasin
  PostgreSQL + PostGIS (``postgis.py``), choisi par le réglage ``ESQUISSE_BASE`` (``choix.py``) ;
- :mod:`esquisse.referentiel` : couches de référence, territoires, COG, territoire de projet ;
- :mod:`esquisse.esquisses` : entités GeoJSON, légende, fusion à trois voies, versions, édition ;
- :mod:`esquisse.atelier` : fiche, séances et hypothèses, participants, feuille de route, relevé ;
- :mod:`esquisse.acces` : rôles par atelier, services sous garde, journal, invitations ;
- :mod:`esquisse.imports`, :mod:`esquisse.analyse`, :mod:`esquisse.carte`, :mod:`esquisse.exports`.

Voir DESIGN.md (« Le paquet du domaine », « Stockage »).
"""

__version__ = "0.1.0"
