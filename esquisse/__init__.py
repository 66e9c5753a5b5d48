"""Esquisse : le domaine (ateliers, couches, cartes, versions). N'importe jamais Streamlit."""

__version__ = "0.1.0"
