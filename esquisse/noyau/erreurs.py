"""Erreurs d'Esquisse.

Chaque erreur porte un message en français, prêt à être montré à l'utilisateur, qui nomme
la valeur fautive et, quand c'est utile, les valeurs admises. Les classes héritent aussi
d'une exception native (``ValueError``, ``LookupError``…) pour que le code appelant
puisse les attraper sans connaître Esquisse.
"""

from __future__ import annotations


class EsquisseErreur(Exception):
    """Erreur attendue : le message est destiné à l'utilisateur."""


class SchemaInvalide(EsquisseErreur, ValueError):
    """Une couche ou un fichier ne respecte pas le schéma attendu."""


class DonneeInvalide(EsquisseErreur, ValueError):
    """Une valeur saisie ou lue est invalide."""


class Introuvable(EsquisseErreur, LookupError):
    """Un atelier, une séance, une hypothèse ou une version n'existe pas."""


class Concurrence(EsquisseErreur, RuntimeError):
    """Une donnée a été modifiée par un autre poste entre sa lecture et son enregistrement."""


class EcritureImpossible(EsquisseErreur, OSError):
    """Le disque a refusé une écriture (plein, erreur d'entrée-sortie, lecture seule) : rien n'est écrit.

    ``cause`` dit la panne en quelques mots (« Le disque est plein »), sans nom de fichier.
    """

    cause: str = "Le disque a refusé l'écriture"


class AccesRefuse(EsquisseErreur, PermissionError):
    """La personne qui agit n'a pas le droit de faire cette action dans cet atelier : rien n'est écrit."""


class BaseInjoignable(EsquisseErreur, ConnectionError):
    """La base de données (``ESQUISSE_BASE``) ne répond pas : rien n'a été écrit."""
