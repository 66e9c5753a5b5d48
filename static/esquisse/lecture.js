/*
 * Esquisse : esquisses en lecture seule (comparaison, différences, territoires touchés).
 *
 * La carte générée par folium appelle Esquisse.lecture.afficher(carte, donnees) après
 * Esquisse.initialiser (couches de référence). Plusieurs cartes peuvent vivre dans la même
 * page (deux cartes synchronisées côte à côte) : tout l'état est propre à chaque carte.
 * Tout texte venant des données passe par textContent : rien n'est interprété comme HTML.
 */
(function () {
  "use strict";

  var Esquisse = (window.Esquisse = window.Esquisse || {});
  var Lecture = (Esquisse.lecture = { cartes: [] });
  var NEUTRE = { nom: "Esquisse", couleur: "#607d8b", epaisseur: 3, trait: "continu", geometrie: "ligne_ou_zone" };
  var HALO = "#8e24aa";
  var ORDRE = { gagnee: 0, perdue: 0, ancienne: 1, zone: 2, ligne: 3, point: 4 };

  function element(balise, classe, texte) {
    var el = document.createElement(balise);
    if (classe) el.className = classe;
    if (texte !== undefined && texte !== null) el.textContent = String(texte);
    return el;
  }

  function nature(geometrie) {
    if (geometrie.type === "Point") return "point";
    if (geometrie.type === "LineString" || geometrie.type === "MultiLineString") return "ligne";
    return "zone";
  }

  function styleEtat(p, n, etats) {
    var couleur = (etats[p.etat] || {}).couleur || NEUTRE.couleur;
    if (p.role === "gagnee" || p.role === "perdue") {
      var teinte = etats[p.role === "gagnee" ? "ajoutee" : "supprimee"].couleur;
      return { stroke: false, fillColor: teinte, fillOpacity: 0.5, interactive: false };
    }
    if (p.role === "ancienne") {
      return { color: "#5f6368", weight: 2, opacity: 0.95, dashArray: "3 6", fill: n === "point", fillOpacity: 0, radius: 9, interactive: false };
    }
    var inchangee = p.etat === "inchangee";
    var s = {
      color: couleur,
      weight: n === "ligne" ? (inchangee ? 3 : 5) : inchangee ? 1.5 : 3,
      opacity: inchangee ? 0.75 : 0.95,
      fillColor: couleur,
      fillOpacity: n === "zone" ? (inchangee ? 0.12 : 0.22) : 0,
      dashArray: p.etat === "supprimee" ? "10 7" : null,
      lineCap: "round",
      lineJoin: "round",
    };
    if (n === "point") {
      s.radius = inchangee ? 7 : 9;
      s.fillOpacity = p.etat === "supprimee" ? 0.25 : 0.9;
      s.color = p.etat === "supprimee" ? couleur : "#ffffff";
      s.weight = 2;
    }
    return s;
  }

  // Flèche au bout d'une ligne : un marqueur SVG par couleur et par carte (deux cartes
  // partagent le même document : les identifiants doivent rester uniques).
  function marqueurFleche(etat, couleur) {
    var id = "esq-lecture-fleche-" + L.stamp(etat.carte) + "-" + couleur.replace("#", "");
    return Esquisse.marqueurFleche(etat.rendu._container, id, couleur);
  }

  function fiche(p, c, donnees) {
    var boite = element("div", "esq-fiche");
    boite.appendChild(element("div", "esq-fiche-titre", p.titre || c.nom));
    boite.appendChild(element("div", "esq-fiche-categorie", c.nom));
    if (p.etat && donnees.etats) {
      var etat = etatsParCle(donnees)[p.etat];
      var ligne = element("div", "esq-fiche-etat", etat.nom + (p.detail ? " : " + p.detail : ""));
      ligne.style.borderLeftColor = etat.couleur;
      boite.appendChild(ligne);
    }
    if (p.commentaire) boite.appendChild(element("div", "esq-fiche-commentaire", p.commentaire));
    if (p.fiche) boite.appendChild(element("div", "esq-fiche-territoires", p.fiche));
    return boite;
  }

  function halo(f, n, s, etat) {
    var options = { renderer: etat.rendu, pane: "esqLecture", interactive: false };
    var trait = { color: HALO, opacity: 0.45, weight: (n === "point" ? 2 : s.weight) + 10, fill: false, dashArray: null };
    var couche;
    if (n === "point") {
      couche = L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], L.extend(options, trait, { radius: (s.radius || 9) + 4 }));
    } else {
      couche = L.GeoJSON.geometryToLayer(f, options);
      couche.setStyle(trait);
    }
    couche.options.interactive = false;
    return couche;
  }

  function titreCarte(carte, texte) {
    var div = element("div", "esq-titre-carte", texte);
    L.DomEvent.disableClickPropagation(div);
    carte.getContainer().appendChild(div);
  }

  // Les états arrivent dans l'ordre de la légende : une liste, pas un objet (dont l'ordre serait perdu).
  function etatsParCle(donnees) {
    var parCle = {};
    (donnees.etats || []).forEach(function (e) {
      parCle[e.cle] = e;
    });
    return parCle;
  }

  function legendeEtats(carte, donnees, presents) {
    var etats = etatsParCle(donnees);
    var Controle = L.Control.extend({
      onAdd: function () {
        var div = element("div", "esq-legende-etats leaflet-bar");
        donnees.etats.forEach(function (e) {
          var cle = e.cle;
          var ligne = element("div", "esq-legende-ligne");
          var pastille = element("span", "esq-pastille" + (cle === "supprimee" ? " esq-pastille-tirets" : ""));
          pastille.style.borderColor = e.couleur;
          pastille.style.background = cle === "supprimee" ? "transparent" : e.couleur;
          ligne.appendChild(pastille);
          ligne.appendChild(element("span", null, e.nom + " (" + (presents[cle] || 0) + ")"));
          div.appendChild(ligne);
        });
        var ancienne = element("div", "esq-legende-ligne");
        ancienne.appendChild(element("span", "esq-pastille esq-pastille-ancienne"));
        ancienne.appendChild(element("span", null, "Forme d'avant (modifiée)"));
        div.appendChild(ancienne);
        [
          ["ajoutee", "Surface gagnée"],
          ["supprimee", "Surface perdue"],
        ].forEach(function (x) {
          var ligne = element("div", "esq-legende-ligne");
          var pastille = element("span", "esq-pastille esq-pastille-surface");
          pastille.style.background = etats[x[0]].couleur;
          ligne.appendChild(pastille);
          ligne.appendChild(element("span", null, x[1]));
          div.appendChild(ligne);
        });
        return div;
      },
    });
    new Controle({ position: "bottomright" }).addTo(carte);
  }

  function avisVide(carte, texte) {
    var div = element("div", "esq-lecture-vide", texte);
    carte.getContainer().appendChild(div);
  }

  Lecture.afficher = function (carte, donnees) {
    var etat = { carte: carte, couches: {} };
    var legende = {};
    (donnees.legende || []).forEach(function (c) {
      legende[c.id] = c;
    });
    carte.createPane("esqLecture").style.zIndex = 420;
    carte.createPane("esqLectureTextes").style.zIndex = 640;
    etat.rendu = L.svg({ pane: "esqLecture", padding: 0.5 });
    carte.addLayer(etat.rendu);
    var groupe = L.featureGroup().addTo(carte);
    var differences = donnees.mode === "differences";
    var accentuer = donnees.mode === "territoires";
    var presents = {};
    var titres = [];

    var entites = (donnees.entites || []).slice().sort(function (a, b) {
      var ra = ORDRE[a.properties.role] !== undefined ? ORDRE[a.properties.role] : ORDRE[nature(a.geometry)];
      var rb = ORDRE[b.properties.role] !== undefined ? ORDRE[b.properties.role] : ORDRE[nature(b.geometry)];
      return ra - rb;
    });
    entites.forEach(function (f) {
      var p = f.properties || {};
      var n = nature(f.geometry);
      var c = legende[p.categorie] || NEUTRE;
      var s = differences ? styleEtat(p, n, etatsParCle(donnees)) : Esquisse.styleCategorie(c, n);
      var couche;
      if (n === "point" && c.geometrie === "texte" && !differences) {
        var texte = element("span", "esq-texte", p.titre || "Texte");
        texte.style.color = c.couleur;
        couche = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
          icon: L.divIcon({ className: "esq-texte-icone", html: texte, iconSize: null }),
          pane: "esqLectureTextes",
        });
      } else if (n === "point") {
        couche = L.circleMarker(
          [f.geometry.coordinates[1], f.geometry.coordinates[0]],
          L.extend({ renderer: etat.rendu, pane: "esqLecture" }, s)
        );
      } else {
        couche = L.GeoJSON.geometryToLayer(f, { renderer: etat.rendu, pane: "esqLecture" });
        couche.setStyle(s);
        if (s.interactive === false) couche.options.interactive = false;
      }
      // Mise en évidence (territoires) : un halo dessous ; les autres esquisses s'estompent.
      if (accentuer && p.accent) groupe.addLayer(halo(f, n, s, etat));
      groupe.addLayer(couche);
      if (!p.role) {
        etat.couches[f.id] = couche;
        if (p.etat) presents[p.etat] = (presents[p.etat] || 0) + 1;
        if (p.titre && !(n === "point" && c.geometrie === "texte")) titres.push({ cle: f.id, couche: couche, titre: p.titre });
        var titre = p.titre || c.nom;
        couche.bindTooltip(element("span", null, titre), { sticky: true, direction: "top" });
        couche.bindPopup(fiche(p, c, donnees), { maxWidth: 360, maxHeight: 340 });
      }
      var chemin = couche._path;
      if (chemin) {
        if (!p.role && n === "ligne" && c.trait === "fleche") chemin.setAttribute("marker-end", marqueurFleche(etat, s.color));
        if (accentuer && !p.accent) chemin.classList.add("esq-estompe");
        if (p.role) chemin.classList.add("esq-role-" + p.role);
        if (p.etat) chemin.setAttribute("data-etat", p.etat);
      } else if (accentuer && !p.accent && couche.getElement && couche.getElement()) {
        couche.getElement().classList.add("esq-estompe");
      }
    });

    if (donnees.titre) titreCarte(carte, donnees.titre);
    // Les titres des esquisses, en étiquettes sans chevauchement (carte.js).
    Esquisse.titresEsquisses(carte, "lecture", function () {
      return titres;
    });
    if (differences) legendeEtats(carte, donnees, presents);
    if (!Object.keys(etat.couches).length) avisVide(carte, "Aucune esquisse dans cet état.");

    carte._esqLecture = etat;
    Lecture.cartes.push(carte);
    document.body.setAttribute("data-esquisse-lecture", String(Lecture.cartes.length));
  };
})();
