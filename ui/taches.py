"""Les actions des pages : tâches longues (barre de progression, erreurs en français, journal des erreurs
inattendues) et écritures courtes sous garde (:func:`sous_garde`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st

from esquisse.noyau.erreurs import EsquisseErreur
from ui.textes import md

T = TypeVar("T")


_journal = logging.getLogger("esquisse")


def executer(libelle: str, tache: Callable[[Callable[[float, str], None]], T]) -> T | None:
    """Lance ``tache(progression)`` en montrant sa progression ; une erreur s'affiche en français.

    Renvoie le résultat, ou ``None`` si la tâche a échoué (les fonctions du domaine n'écrivent
    jamais de fichier partiel : il n'y a rien à nettoyer).
    """
    with st.status(libelle, expanded=True) as statut:
        barre = st.progress(0.0, text="Préparation…")

        def progression(part: float, message: str) -> None:
            barre.progress(min(max(float(part), 0.0), 1.0), text=message)

        try:
            resultat = tache(progression)
        except EsquisseErreur as exc:
            statut.update(label=f"{libelle} : échec", state="error", expanded=True)
            st.error(str(exc))
            return None
        except Exception as exc:  # toute autre erreur : message en français, détail dans le journal
            _journal.exception("Échec de « %s »", libelle)
            statut.update(label=f"{libelle} : échec", state="error", expanded=True)
            st.error(
                f"L'opération a échoué de façon inattendue ({type(exc).__name__} : {exc}). "
                "Aucun fichier partiel n'a été laissé."
            )
            return None
        barre.progress(1.0, text="Terminé.")
        statut.update(label=f"{libelle} : terminé", state="complete", expanded=False)
    return resultat


@contextmanager
def sous_garde(refus: str = "", ou=st) -> Iterator[None]:
    """Une écriture de page sous garde : ce qui suit le service dans le bloc (annoncer, réafficher) n'a lieu
    que s'il a réussi.

    Refusé (:class:`EsquisseErreur`), le service n'a rien changé : le message en français s'affiche dans
    ``ou`` (une colonne ; la page par défaut), précédé de ``refus`` s'il est donné, et la page continue.
    """
    try:
        yield
    except EsquisseErreur as exc:
        ou.error(f"{refus} : {md(str(exc))}" if refus else md(str(exc)))
