/*
 * Esquisse : le sélecteur de fichiers de Streamlit en français.
 *
 * Streamlit (1.67) n'a pas de traduction : son sélecteur dit « Upload », « 200MB per file »,
 * et un fichier trop gros n'y est signalé que par une icône rouge, le message (« File must
 * be 200.0MB or smaller. ») restant caché dans une infobulle. Ce script, exécuté dans la page
 * (st.html), traduit ces textes sur place ; la feuille de style qui l'accompagne rend le
 * message d'erreur visible à côté du fichier refusé. Seuls les nœuds de texte sont modifiés :
 * React garde les siens et les remplace quand il les redessine, et le script repasse alors.
 */
(function () {
  "use strict";
  if (window.esquisseTeleversement) return;
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

  function passer() {
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
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  passer();
})();
