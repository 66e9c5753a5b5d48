"""Esquisse : le domaine (ateliers, couches, cartes, versions). N'importe jamais Streamlit.

Le stockage est dans :mod:`esquisse.stockage` : ses contrats (``interfaces.py``), le magasin de
fichiers par défaut (``disque.py``) et le magasin PostgreSQL + PostGIS (``postgis.py``), choisi
par le réglage ``ESQUISSE_BASE`` (``choix.py``). Voir DESIGN.md, « Stockage ».
"""

__version__ = "0.1.0"
