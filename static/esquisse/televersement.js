/*
 * Esquisse : le sélecteur de fichiers de Streamlit en français.
 *
 * Streamlit (1.67) n'a pas de traduction : son sélecteur dit « Upload », « 200MB per file »,
 * et un fichier trop gros n'y est signalé que par une icône rouge, le message (« File must
 * be 200.0MB or smaller. ») restant caché dans une infobulle. Ce script, exécuté dans la page
 * (st.html), traduit ces textes sur place ; la feuille de style qui l'accompagne rend le
 * message d'erreur visible à côté du fichier refusé. Seuls les nœuds de texte sont modifiés :
 * React garde les siens et les remplace quand il les redessine, et le script repasse alors.
 *
 * Le même passage traduit les autres textes de Streamlit qu'une page d'Esquisse peut montrer
 * (barre d'outils des tableaux, listes de choix, calendrier, barre latérale), qu'ils soient
 * affichés ou lus par un lecteur d'écran (title, aria-label, placeholder), et masque le
 * téléchargement CSV de la barre d'outils des tableaux (virgules, point décimal) : Esquisse
 * met son propre bouton sous chaque tableau (interface.tableau).
 */
(function () {
  "use strict";
  // ``esquisseSansTraduction`` : laisse Streamlit en anglais (le test qui vérifie que le relevé
  // des textes anglais n'est pas aveugle s'en sert).
  if (window.esquisseTeleversement || window.esquisseSansTraduction) return;
  window.esquisseTeleversement = true;

  var UNITES = { B: "o", KB: "Ko", MB: "Mo", GB: "Go", TB: "To" };

  function taille(nombre, unite) {
    return String(parseFloat(nombre)).replace(".", ",") + " " + (UNITES[unite] || unite);
  }

  var REGLES = [
    [/^Error:$/, function () { return ""; }],
    [/^Upload$/, function () { return "Choisir un fichier"; }],
    [/^Browse files$/, function () { return "Choisir un fichier"; }],
    [/^Drag and drop (a file|files) here$/, function () { return "Glissez-déposez un fichier ici"; }],
    [/^([\d.]+)\s*([KMGT]?B) per file$/, function (m) { return taille(m[1], m[2]) + " au plus par fichier"; }],
    [/^([\d.]+)\s*([KMGT]?B)$/, function (m) { return taille(m[1], m[2]); }],
    [
      /^(?:Error: )?File must be ([\d.]+)\s*([KMGT]?B) or smaller\.?$/,
      function (m) { return "Fichier trop volumineux : " + taille(m[1], m[2]) + " au plus. Rien n'a été importé."; },
    ],
    [
      /^(?:Error: )?(.*) files are not allowed\.?$/,
      function (m) { return "Ce type de fichier (" + m[1] + ") n'est pas accepté ici. Rien n'a été importé."; },
    ],
    [/^(?:Error: )?Upload failed$/, function () { return "L'envoi du fichier a échoué. Rien n'a été importé."; }],
  ];

  function traduire(texte) {
    var t = texte.trim();
    for (var i = 0; i < REGLES.length; i++) {
      var m = REGLES[i][0].exec(t);
      if (m) return REGLES[i][1](m);
    }
    return null;
  }

  // Textes de Streamlit, traduits seulement quand ils sont la chaîne entière : un texte saisi
  // par un utilisateur qui contiendrait ces mots n'est jamais touché.
  var STREAMLIT = {
    "Choose an option": "Choisir",
    "Choose options": "Choisir",
    "Select...": "Choisir…",
    "No results": "Aucun résultat",
    "Clear all": "Tout effacer",
    "Clear value": "Effacer",
    "Clear": "Effacer",
    "Open": "Ouvrir",
    "Close": "Fermer",
    "open": "ouvrir",
    "close": "fermer",
    "Selected values": "Valeurs choisies",
    "Selected value": "Valeur choisie",
    "Search": "Rechercher",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Exit fullscreen": "Quitter le plein écran",
    "Show/hide columns": "Afficher ou masquer des colonnes",
    "Download as CSV": "Télécharger en CSV",
    "Add row": "Ajouter une ligne",
    "Delete row": "Supprimer la ligne",
    "Delete rows": "Supprimer les lignes",
    "Copy to clipboard": "Copier",
    "Copied": "Copié",
    "Collapse sidebar": "Replier la barre latérale",
    "Expand sidebar": "Déplier la barre latérale",
    "Sidebar": "Barre latérale",
    "Main menu": "Menu principal",
    "Choose date": "Choisir une date",
    "Choose a date": "Choisir une date",
    "Select a date.": "Choisir une date.",
    "Select a date": "Choisir une date",
    "Previous month.": "Mois précédent.",
    "Next month.": "Mois suivant.",
    "Previous month": "Mois précédent",
    "Next month": "Mois suivant",
    "Select month": "Choisir le mois",
    "Select year": "Choisir l'année",
    "Close notification": "Fermer la notification",
    "Dismiss": "Fermer",
    "Stop": "Arrêter",
    "Rerun": "Relancer",
    "Press Enter to apply": "Entrée pour valider",
    "Press Enter to submit form": "Entrée pour envoyer",
    // Menu des graphiques (Vega-Lite, page Chronologie)
    "Download as PNG": "Télécharger en PNG",
    "Download as SVG": "Télécharger en SVG",
    "Save as PNG": "Enregistrer en PNG",
    "Save as SVG": "Enregistrer en SVG",
    "Show data": "Voir les données",
    "Hide data": "Masquer les données",
    "Copy Vega-Lite spec": "Copier la spécification Vega-Lite",
    "View Source": "Voir la source",
    "View Compiled Vega": "Voir le Vega compilé",
    "Open in Vega Editor": "Ouvrir dans l'éditeur Vega",
  };
  var MOTIFS = [
    [/^day, (.*)$/, "jour, $1"],
    [/^month, (.*)$/, "mois, $1"],
    [/^year, (.*)$/, "année, $1"],
  ];
  var ATTRIBUTS = ["title", "aria-label", "placeholder"];

  function enFrancais(texte) {
    var t = texte.trim();
    if (Object.prototype.hasOwnProperty.call(STREAMLIT, t)) return STREAMLIT[t];
    for (var i = 0; i < MOTIFS.length; i++) if (MOTIFS[i][0].test(t)) return t.replace(MOTIFS[i][0], MOTIFS[i][1]);
    return null;
  }
  // Le téléchargement CSV de Streamlit (virgules) est masqué : voir interface.tableau.
  var style = document.createElement("style");
  style.textContent =
    '[data-testid="stElementToolbar"] button[aria-label="Download as CSV"],' +
    '[data-testid="stElementToolbar"] button[aria-label="Télécharger en CSV"]{display:none !important;}';
  document.head.appendChild(style);

  function traduireStreamlit(racine) {
    var parcours = document.createTreeWalker(racine, NodeFilter.SHOW_TEXT);
    var noeud;
    while ((noeud = parcours.nextNode())) {
      var t = (noeud.nodeValue || "").trim();
      var fr = t ? enFrancais(t) : null;
      if (fr === null) continue;
      var parent = noeud.parentElement;
      // Le Markdown de l'application (saisies comprises) reste tel quel.
      if (!parent || parent.closest('[data-testid="stMarkdownContainer"]')) continue;
      noeud.nodeValue = noeud.nodeValue.replace(t, fr);
    }
    var elements = racine.querySelectorAll("[title], [aria-label], [placeholder]");
    for (var i = 0; i < elements.length; i++) {
      for (var a = 0; a < ATTRIBUTS.length; a++) {
        var v = elements[i].getAttribute(ATTRIBUTS[a]);
        var traduit = v ? enFrancais(v) : null;
        if (traduit !== null) elements[i].setAttribute(ATTRIBUTS[a], traduit);
      }
    }
  }

  function passer() {
    traduireStreamlit(document.body);
    var zones = document.querySelectorAll('[data-testid="stFileUploader"]');
    for (var z = 0; z < zones.length; z++) {
      var parcours = document.createTreeWalker(zones[z], NodeFilter.SHOW_TEXT);
      var noeud;
      while ((noeud = parcours.nextNode())) {
        // Le libellé du champ, écrit par l'application, reste tel quel.
        if (noeud.parentElement && noeud.parentElement.closest('[data-testid="stWidgetLabel"]')) continue;
        var traduit = traduire(noeud.nodeValue || "");
        if (traduit !== null && traduit !== noeud.nodeValue) noeud.nodeValue = traduit;
      }
      var boutons = zones[z].querySelectorAll("[aria-label]");
      for (var b = 0; b < boutons.length; b++) {
        var etiquette = boutons[b].getAttribute("aria-label");
        var fr = null;
        if (/^Remove /.test(etiquette)) fr = "Retirer " + etiquette.slice(7);
        else if (etiquette === "Add files" || etiquette === "Add file") fr = "Ajouter un fichier";
        else if (etiquette === "file upload") fr = "choisir un fichier";
        if (fr) boutons[b].setAttribute("aria-label", fr);
      }
    }
  }

  var prevu = false;
  new MutationObserver(function () {
    if (prevu) return;
    prevu = true;
    window.requestAnimationFrame(function () {
      prevu = false;
      passer();
    });
  }).observe(document.body, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: ATTRIBUTS,
  });
  passer();
})();
