/*
 * Esquisse : choix des communes du territoire de projet, d'un clic sur la carte.
 *
 * Les couches de référence sont ajoutées par carte.js après leur téléchargement : les
 * gestionnaires de clic de streamlit-folium ne les connaissent pas. Un clic sur une commune
 * est donc envoyé ici même à Python, par le canal du composant (Streamlit.setComponentValue),
 * sous la forme que streamlit-folium utilise : { last_object_clicked_tooltip: jeton }.
 * Le jeton est unique (session de la carte + compteur) : Python n'applique chaque clic
 * qu'une fois, même si la valeur lui revient à la réexécution suivante.
 *
 * Python renvoie la sélection à jour par Esquisse.selectionner(codes) (groupe d'entités
 * dynamique de streamlit-folium) : la carte de base n'est jamais renvoyée.
 */
(function () {
  "use strict";

  var Esquisse = (window.Esquisse = window.Esquisse || {});
  var CLE = "last_object_clicked_tooltip";
  var STYLE_CHOISIE = { fillColor: "#c0392b", fillOpacity: 0.45, color: "#7b1d12", weight: 1.2 };
  var etat = {
    codes: new Set(),
    session: Math.random().toString(36).slice(2, 10),
    compteur: 0,
    jeton: null,
  };
  Esquisse.selection = etat;

  function communes() {
    return Esquisse.couches && Esquisse.couches.communes;
  }

  function styleDeBase() {
    var config = (Esquisse.config && Esquisse.config.couches) || [];
    for (var i = 0; i < config.length; i++) if (config[i].id === "communes") return config[i].style;
    return {};
  }

  function peindre() {
    var couche = communes();
    if (!couche) return;
    var base = styleDeBase();
    var choisie = Object.assign({}, base, STYLE_CHOISIE);
    couche.eachLayer(function (l) {
      var code = l.feature && l.feature.properties && l.feature.properties.code_insee;
      l.setStyle(etat.codes.has(code) ? choisie : base);
    });
    document.body.setAttribute("data-esquisse-selection", String(etat.codes.size));
  }

  // Appelé par Python à chaque changement de sélection (et au premier affichage).
  Esquisse.selectionner = function (codes) {
    etat.codes = new Set(codes || []);
    peindre();
  };

  // Seul ce script écrit la valeur renvoyée à Python : les gestionnaires génériques de
  // streamlit-folium (attachés à toutes les couches quand le groupe dynamique change)
  // ne peuvent plus l'écraser, et aucune valeur parasite ne part.
  function verrouiller() {
    var donnees = window.__GLOBAL_DATA__;
    if (!donnees || donnees.__esquisseVerrou) return;
    Object.defineProperty(donnees, CLE, {
      configurable: true,
      enumerable: true,
      get: function () {
        return etat.jeton;
      },
      set: function () {},
    });
    donnees.__esquisseVerrou = true;
  }

  function envoyer(code) {
    var donnees = window.__GLOBAL_DATA__;
    if (!donnees || !window.Streamlit) return;
    etat.compteur += 1;
    etat.jeton = JSON.stringify({ id: etat.session + "-" + etat.compteur, code: code });
    var valeur = {};
    (donnees.returned_objects || [CLE]).forEach(function (cle) {
      valeur[cle] = cle === CLE ? etat.jeton : donnees[cle];
    });
    donnees.previous_data = valeur;
    window.Streamlit.setComponentValue(valeur);
  }

  function brancher(carte) {
    var couche = communes();
    if (!couche || couche._esqSelection) return;
    couche._esqSelection = true;
    couche.on("click", function (e) {
      var code = e.layer && e.layer.feature && e.layer.feature.properties.code_insee;
      if (!code) return;
      // Réponse immédiate à l'écran ; Python confirme en renvoyant la sélection.
      if (etat.codes.has(code)) etat.codes.delete(code);
      else etat.codes.add(code);
      peindre();
      envoyer(code);
    });
    carte.getContainer().classList.add("esq-mode-selection");
    peindre();
  }

  Esquisse.activerSelection = function (carte) {
    verrouiller();
    if (Esquisse.pret) brancher(carte);
    else carte.on("esquisse:pret", function () {
      brancher(carte);
    });
  };
})();
