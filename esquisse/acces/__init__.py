"""Qui agit, et ce qu'il a le droit de faire : rôles par atelier, une seule table des actions.

Les pages masquent ce qu'une personne ne peut pas faire, par courtoisie ; la garde est ici, dans
le domaine : chaque opération qui écrit prend l'acteur et appelle :func:`verifier` avant tout.
"""
