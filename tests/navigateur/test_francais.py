"""Aucun mot anglais visible ou lisible par un lecteur d'écran, sur aucune page.

Chaque page de l'application est ouverte dans Chromium (hors ligne). On relève tout ce qu'un
utilisateur voit ou entend : le texte affiché, et les attributs ``title``, ``aria-label``,
``placeholder`` et ``alt``, dans la page et dans les iframes des cartes. Les barres d'outils
qui n'apparaissent qu'au survol (tableaux) sont survolées d'abord.

Est anglaise une chaîne qui contient l'un des mots de :data:`MOTS_ANGLAIS`, une liste relue de
mots d'interface anglais qui ne sont pas des mots français. La seule exception admise est la
courte liste « textes anglais de Streamlit » du README, qui dit pourquoi ils restent.

Le test n'est pas vide : il relève plusieurs centaines de chaînes, et sur une page où la
traduction est désactivée (``window.esquisseSansTraduction``), il trouve bien l'anglais de
Streamlit et de Leaflet.
"""

from __future__ import annotations

import re

import pytest

from tests.navigateur.conftest import capture
from tests.outils import IFRAME_CARTE, RACINE
from ui.navigation import PAGES

# Mots d'interface anglais, choisis pour n'être jamais des mots français (ni « date », ni
# « menu », ni « options », ni « table », ni « page », ni « zoom ») ; relus un par un.
MOTS_ANGLAIS = frozenset(
    """
    about add all apply ascending browse cancel choose clear click close collapse columns copy
    day deploy delete descending download drag drop edit enter expand file files fullscreen hide
    in keyboard layers loading month next open out popup press previous print record rerun reset
    results row rows running search select selected settings show shortcuts sidebar sort stop
    submit the today toggle upload view year your
    """.split()  # noqa: SIM905 — une liste relue se lit mieux ainsi
)
MOT = re.compile(r"[A-Za-z]+")

# Ce qui est relevé : texte visible (innerText, qui ignore ce qui est caché) et attributs lus
# par les lecteurs d'écran ou affichés au survol.
RELEVER = """
() => {
  const chaines = [];
  const cache = '[data-testid="stIconMaterial"], [aria-hidden="true"], script, style, noscript';
  const parcours = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  let noeud;
  while ((noeud = parcours.nextNode())) {
    const t = (noeud.nodeValue || "").trim();
    const el = noeud.parentElement;
    if (!t || !el || el.closest(cache)) continue;
    if (el.checkVisibility && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    chaines.push(t);
  }
  for (const el of document.querySelectorAll("[title], [aria-label], [placeholder], [alt]")) {
    // Un élément masqué (display: none) n'est ni vu ni lu ; un bouton qui n'apparaît qu'au survol l'est.
    if (el.checkVisibility && !el.checkVisibility({ checkVisibilityCSS: true })) continue;
    for (const a of ["title", "aria-label", "placeholder", "alt"]) {
      const v = el.getAttribute(a);
      if (v && v.trim()) chaines.push(v.trim());
    }
  }
  for (const t of document.querySelectorAll("svg title")) if (t.textContent.trim()) chaines.push(t.textContent.trim());
  return chaines;
}
"""


def anglais(chaine: str) -> bool:
    return any(m.lower() in MOTS_ANGLAIS for m in MOT.findall(chaine))


def exceptions_du_readme() -> set[str]:
    """Les textes anglais de Streamlit que le README reconnaît (section « Textes anglais de Streamlit »)."""
    texte = (RACINE / "README.md").read_text(encoding="utf-8")
    section = texte.split("<!-- textes-anglais-debut -->", 1)[1].split("<!-- textes-anglais-fin -->", 1)[0]
    return set(re.findall(r"^- « (.+?) »", section, re.M))


PRET = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute("data-test-script-state") === "notRunning"
    && !document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]')
    && document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]').length > 1;
}"""


def attendre_page(page) -> None:
    """La page a fini de s'exécuter (y compris la relance qui écrit la séance dans l'adresse),
    ses ressources sont chargées et ses cartes dessinées."""
    page.wait_for_function(PRET, timeout=60000)
    page.wait_for_load_state("networkidle", timeout=60000)
    page.wait_for_function(PRET, timeout=60000)
    cartes = page.locator(IFRAME_CARTE)
    for i in range(cartes.count()):
        page.frame_locator(IFRAME_CARTE).nth(i).locator("body[data-esquisse-pret]").wait_for(
            state="attached", timeout=60000
        )


def relever(page) -> list[str]:
    """Toutes les chaînes de la page et de ses iframes, après survol des tableaux."""
    for tableau in page.locator('[data-testid="stDataFrame"]').all():
        if not tableau.is_visible():  # dans un onglet fermé
            continue
        tableau.hover()
        page.locator('[data-testid="stElementToolbar"]').first.wait_for(state="attached", timeout=5000)
    chaines = []
    for cadre in page.frames:
        try:
            chaines += cadre.evaluate(RELEVER)
        except Exception as exc:  # un cadre détaché pendant le relevé : la page se redessine
            if "detached" not in str(exc).lower():
                raise
    return chaines


def adresse(serveur, script: str) -> str:
    chemin = "" if script == "app.py" else script.removeprefix("pages/").removesuffix(".py")
    return f"{serveur.url}/{chemin}?atelier=bassee-montois"


def test_aucun_texte_anglais(serveur, hors_ligne):
    contexte, reseau = hors_ligne()
    admis = exceptions_du_readme()
    assert 0 < len(admis) <= 8, "la liste du README reste courte"
    trouves: dict[str, set[str]] = {}
    total = 0
    for script, *_ in PAGES:
        page = contexte.new_page()
        page.goto(adresse(serveur, script))
        attendre_page(page)
        chaines = relever(page)
        total += len(chaines)
        anglaises = {c for c in chaines if anglais(c) and c not in admis}
        if anglaises:
            trouves[script] = anglaises
            capture(page, f"anglais-{script.replace('/', '-')}")
        page.close()
    assert total >= 500, f"seulement {total} chaînes relevées : le relevé ne voit pas les pages"
    assert trouves == {}, "textes anglais restants :\n" + "\n".join(
        f"{p} : {sorted(s)}" for p, s in sorted(trouves.items())
    )
    assert reseau.bloquees == []


@pytest.mark.parametrize("script", ["pages/historique.py"])
def test_le_releve_voit_l_anglais_sans_traduction(serveur, hors_ligne, script):
    """Sans la traduction d'Esquisse, le même relevé trouve l'anglais de Streamlit et de Leaflet."""
    contexte, _ = hors_ligne()
    contexte.add_init_script("window.esquisseSansTraduction = true;")
    page = contexte.new_page()
    page.goto(adresse(serveur, script))
    attendre_page(page)
    chaines = relever(page)
    anglaises = {c for c in chaines if anglais(c)}
    capture(page, "anglais-sans-traduction")
    for attendu in ("Download as CSV", "Search", "Fullscreen", "Zoom in", "Zoom out", "Layers", "Choose an option"):
        assert attendu in anglaises, (attendu, sorted(anglaises))
    # Et avec la traduction, ces mêmes textes sont en français.
    francais, _ = hors_ligne()
    autre = francais.new_page()
    autre.goto(adresse(serveur, script))
    attendre_page(autre)
    chaines = set(relever(autre))
    assert {"Rechercher", "Plein écran", "Zoom avant", "Zoom arrière", "Couches", "Choisir"} <= chaines
    # Le téléchargement de Streamlit (virgules) est masqué, remplacé par celui d'Esquisse (« ; »).
    assert "Télécharger en CSV" not in chaines and "Download as CSV" not in chaines
    assert "Télécharger le tableau (CSV)" in chaines
