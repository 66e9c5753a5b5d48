/*
 * Esquisse : les cartes du site publié (hors ligne, ouvert depuis une clé USB ou un serveur).
 *
 * Les données arrivent par des scripts (donnees/couches.js, donnees/<page>.js) qui affectent
 * window.ESQUISSE_COUCHES et window.ESQUISSE_PAGE : un navigateur refuse fetch() en file://.
 * Les esquisses sont dessinées par lecture.js (le même code que les cartes en lecture seule de
 * l'application) ; leurs titres deviennent des étiquettes. Tout texte passe par textContent.
 */
(function () {
  "use strict";

  var Esquisse = window.Esquisse;
  var couches = window.ESQUISSE_COUCHES || {};
  var page = window.ESQUISSE_PAGE || { cartes: {} };
  var ORDRE = ["communes", "epci", "perimetre"];
  var nombreFr = new Intl.NumberFormat("fr-FR");
  var cartes = {};

  function element(balise, classe, texte) {
    var el = document.createElement(balise);
    if (classe) el.className = classe;
    if (texte !== undefined && texte !== null) el.textContent = String(texte);
    return el;
  }

  function infobulle(c) {
    return function (l) {
      var p = (l.feature && l.feature.properties) || {};
      var boite = element("div", "esq-infobulle");
      c.champs.forEach(function (champ, i) {
        var v = p[champ.nom];
        if (v === null || v === undefined || v === "") v = "—";
        else if (champ.format === "nombre" && typeof v === "number") v = nombreFr.format(v);
        var ligne = element("div", i === 0 ? "esq-infobulle-titre" : "esq-infobulle-ligne");
        if (i > 0) ligne.appendChild(element("span", "esq-infobulle-libelle", champ.libelle + " : "));
        ligne.appendChild(element("span", "esq-infobulle-valeur", v));
        boite.appendChild(ligne);
      });
      return boite;
    };
  }

  function bornes(e) {
    return L.latLngBounds([e[1], e[0]], [e[3], e[2]]);
  }

  // Les titres des esquisses, numérotés comme dans le tableau, en étiquettes permanentes.
  function etiqueter(carte, donnees) {
    var etat = carte._esqLecture;
    var legende = {};
    (donnees.legende || []).forEach(function (c) {
      legende[c.id] = c;
    });
    (donnees.entites || []).forEach(function (f) {
      var couche = etat.couches[f.id];
      var p = f.properties || {};
      // Sur la carte des changements, seules les esquisses qui changent sont nommées.
      if (!couche || p.role || p.etat === "inchangee" || (legende[p.categorie] || {}).geometrie === "texte") return;
      var texte = (p.n ? p.n + ". " : "") + (p.titre || (legende[p.categorie] || {}).nom || "");
      couche.unbindTooltip();
      couche.bindTooltip(element("span", null, texte), {
        permanent: true,
        direction: f.geometry.type === "Point" ? "right" : "center",
        offset: f.geometry.type === "Point" ? [10, 0] : [0, 0],
        className: "pub-etiquette",
        opacity: 1,
      });
    });
  }

  function creer(id, donnees) {
    var div = document.getElementById(id);
    if (!div) return;
    var carte = L.map(div, { zoomSnap: 0.25, zoomDelta: 0.5, scrollWheelZoom: false });
    carte.attributionControl.setPrefix(false);
    carte.attributionControl.addAttribution("IGN, INSEE, DGCL, BANATIC (Licence Ouverte) · Leaflet");
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(carte);
    var territoire = bornes(page.territoire.emprise);
    carte.fitBounds(territoire, { padding: [8, 8], animate: false });
    carte.createPane("esqReference").style.zIndex = 350;
    var rendu = L.canvas({ pane: "esqReference", padding: 0.5, tolerance: 4 });
    ORDRE.forEach(function (cle) {
      var c = couches[cle];
      if (!c) return;
      var couche = L.geoJSON(c.donnees, {
        renderer: rendu,
        pane: "esqReference",
        interactive: c.champs.length > 0,
        style: function () {
          return c.style;
        },
      });
      if (c.champs.length) couche.bindTooltip(infobulle(c), { sticky: true, direction: "top", opacity: 0.95 });
      couche.addTo(carte);
    });
    if (donnees) {
      Esquisse.lecture.afficher(carte, donnees);
      etiqueter(carte, donnees);
      var dessinees = L.featureGroup(Object.values(carte._esqLecture.couches));
      var emprise = dessinees.getBounds();
      if (emprise.isValid()) carte.fitBounds(emprise.pad(0.12), { animate: false, maxZoom: 12 });
    }
    cartes[id] = { carte: carte, vue: carte.getBounds() };
    div.setAttribute("data-pret", "oui");
  }

  // Feuille de route : « Voir sur la carte » cadre et met en avant les esquisses d'une action.
  function voir(bouton) {
    var c = cartes[bouton.getAttribute("data-carte")];
    if (!c) return;
    var ids = bouton.getAttribute("data-esquisses").split(" ");
    var etat = c.carte._esqLecture;
    var choisies = [];
    Object.keys(etat.couches).forEach(function (id) {
      var couche = etat.couches[id];
      var el = couche.getElement ? couche.getElement() : couche._path;
      var oui = ids.indexOf(id) >= 0;
      if (el) el.classList.toggle("pub-choisie", oui);
      var bulle = couche.getTooltip && couche.getTooltip();
      if (bulle && bulle.getElement()) bulle.getElement().classList.toggle("pub-estompee", !oui);
      if (oui) choisies.push(couche);
    });
    c.carte.getContainer().classList.add("pub-selection");
    var emprise = L.featureGroup(choisies).getBounds();
    if (emprise.isValid()) c.carte.fitBounds(emprise.pad(0.3), { maxZoom: 12 });
    var statut = document.getElementById("pub-statut-carte");
    if (statut) statut.textContent = choisies.length + " esquisse(s) montrée(s) sur la carte : " + bouton.textContent;
    c.carte.getContainer().scrollIntoView({ block: "nearest" });
  }

  try {
    Object.keys(page.cartes || {}).forEach(function (id) {
      creer(id, page.cartes[id]);
    });
    document.querySelectorAll("button.pub-voir").forEach(function (b) {
      b.addEventListener("click", function () {
        voir(b);
      });
    });
    document.body.setAttribute("data-publication-pret", String(Object.keys(cartes).length));
  } catch (erreur) {
    document.body.setAttribute("data-publication-erreur", String(erreur));
    throw erreur;
  }
})();
