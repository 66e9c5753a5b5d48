/*
 * Esquisse : dessiner sur la carte, et partager ce qui est enregistré.
 *
 * Le navigateur garde une « copie de travail » de l'hypothèse dans window.drawnItems :
 * les entités enregistrées (reçues du serveur) et les dessins locaux pas encore enregistrés.
 * Python n'en reçoit que les changements locaux (streamlit-folium lit drawnItems.toGeoJSON()) :
 * ajouts, modifications, suppressions, chacun avec la version d'où il part (esq_base) et un
 * compteur local (esq_local). Python enregistre, puis renvoie par Esquisse.dessin.synchroniser()
 * la nouvelle version et l'accusé de réception des changements enregistrés.
 *
 * Tout texte saisi par un utilisateur est affiché avec textContent : jamais interprété en HTML.
 */
(function () {
  "use strict";

  var Esquisse = (window.Esquisse = window.Esquisse || {});
  var D = (Esquisse.dessin = {});
  var element = function (balise, classe, texte) {
    var el = document.createElement(balise);
    if (classe) el.className = classe;
    if (texte !== undefined && texte !== null) el.textContent = String(texte);
    return el;
  };

  var etat = {
    carte: null,
    groupe: null,
    rendu: null,
    version: 0,
    couches: {}, // id -> couche Leaflet (dans drawnItems)
    meta: {}, // id -> {base, local, modifie, categorie}
    tombes: {}, // id -> {base, local} : suppressions locales pas encore enregistrées
    serveur: {}, // id -> chaîne JSON de l'entité telle que reçue du serveur
    legende: {},
    ordreLegende: [],
    categorie: null,
    enAttente: {},
    modeActif: false,
    differe: null,
    oublies: {},
  };
  D.etat = etat;

  // -- utilitaires -------------------------------------------------------------------------

  // Compteur des changements locaux : toujours croissant, même si la carte est recréée, pour
  // qu'un accusé de réception ne puisse jamais valoir pour un changement plus récent.
  var dernierCompteur = Date.now();
  function compteur() {
    dernierCompteur = Math.max(dernierCompteur + 1, Date.now());
    return dernierCompteur;
  }

  function nouvelId() {
    var octets = new Uint8Array(10);
    window.crypto.getRandomValues(octets); // disponible même hors contexte sécurisé (tablette en http)
    return (
      "e" +
      Array.prototype.map
        .call(octets, function (o) {
          return ("0" + o.toString(16)).slice(-2);
        })
        .join("")
    );
  }

  var GEOMETRIES = {
    point: ["point"],
    texte: ["texte"],
    ligne: ["ligne"],
    zone: ["zone"],
    ligne_ou_zone: ["ligne", "zone"],
  };

  function genre(couche, typeDessin) {
    if (typeDessin === "texte" || (couche instanceof L.Marker && couche.options.icon instanceof L.DivIcon)) return "texte";
    if (couche instanceof L.CircleMarker || couche instanceof L.Marker) return "point";
    if (couche instanceof L.Polygon) return "zone";
    return "ligne";
  }

  function compatible(idCategorie, g) {
    var c = etat.legende[idCategorie];
    return !!c && (GEOMETRIES[c.geometrie] || []).indexOf(g) >= 0;
  }

  function categoriePour(g) {
    if (compatible(etat.categorie, g)) return etat.categorie;
    // D'abord une catégorie propre à ce genre de géométrie, puis une catégorie mixte.
    for (var passe = 0; passe < 2; passe++) {
      for (var i = 0; i < etat.ordreLegende.length; i++) {
        var id = etat.ordreLegende[i];
        var exacte = (etat.legende[id].geometrie || "") === g;
        if (compatible(id, g) && (passe === 1 || exacte)) return id;
      }
    }
    return null;
  }

  function style(idCategorie, g) {
    var c = etat.legende[idCategorie] || { couleur: "#37474f", epaisseur: 3, trait: "continu" };
    return Esquisse.styleCategorie(c, g);
  }

  function iconeTexte(titre, couleur, enAttente) {
    var span = element("span", "esq-texte" + (enAttente ? " esq-non-enregistre" : ""), titre || "Texte");
    if (couleur) span.style.color = couleur;
    return L.divIcon({ className: "esq-texte-icone", html: span, iconSize: null });
  }

  // Flèche au bout des lignes de trait « flèche » : un marqueur SVG par couleur.
  function marqueurFleche(couleur) {
    var svg = etat.rendu && etat.rendu._container;
    return svg ? Esquisse.marqueurFleche(svg, "esq-fleche-" + couleur.replace("#", ""), couleur) : null;
  }

  function appliquerStyle(couche) {
    var id = couche.esqId;
    var m = etat.meta[id] || {};
    var attente = etat.enAttente[id] || {};
    var cat = attente.categorie || m.categorie;
    var g = genre(couche);
    var enAttente = !!m.modifie;
    if (g === "texte") {
      var c = etat.legende[cat] || {};
      couche.setIcon(iconeTexte(attente.titre || m.titre, c.couleur, enAttente));
      return;
    }
    couche.setStyle(style(cat, g));
    var chemin = couche._path;
    if (chemin) {
      chemin.classList.toggle("esq-non-enregistre", enAttente);
      var c2 = etat.legende[cat];
      if (c2 && c2.trait === "fleche" && g === "ligne") chemin.setAttribute("marker-end", marqueurFleche(c2.couleur));
      else chemin.removeAttribute("marker-end");
    }
  }

  function detailsEntite(f) {
    var p = f.properties || {};
    var boite = element("div", "esq-fiche");
    var c = etat.legende[p.categorie];
    boite.appendChild(element("div", "esq-fiche-titre", p.titre || (c ? c.nom : "Esquisse")));
    if (c && p.titre) boite.appendChild(element("div", "esq-fiche-categorie", c.nom));
    if (p.commentaire) boite.appendChild(element("div", "esq-fiche-commentaire", p.commentaire));
    if (p.auteur) boite.appendChild(element("div", "esq-fiche-auteur", p.auteur + (p.role_libelle ? " (" + p.role_libelle + ")" : "")));
    if (p.territoires) boite.appendChild(element("div", "esq-fiche-territoires", p.territoires));
    return boite;
  }

  function relier(couche, f) {
    var p = f.properties || {};
    // Le titre s'affiche en étiquette sur la carte (carte.js, Esquisse.titresEsquisses).
    couche.esqTitre = genre(couche) === "texte" ? null : p.titre || null;
    replacer();
    couche.unbindTooltip();
    couche.unbindPopup();
    if (genre(couche) !== "texte") {
      var titre = p.titre || (etat.legende[p.categorie] || {}).nom;
      if (titre) couche.bindTooltip(element("span", null, titre), { sticky: true, direction: "top" });
    }
    couche.bindPopup(detailsEntite(f), { maxWidth: 340 });
  }

  // Les étiquettes (titres, noms des communes) se replacent à la prochaine image.
  function replacer() {
    if (etat.carte) Esquisse.placeur(etat.carte).placerBientot();
  }

  // -- couches ----------------------------------------------------------------------------

  function coucheDepuis(f) {
    var p = f.properties || {};
    var c = etat.legende[p.categorie] || {};
    var couche;
    if (f.geometry.type === "Point") {
      var ll = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
      if (c.geometrie === "texte") couche = L.marker(ll, { icon: iconeTexte(p.titre, c.couleur, false), pane: "esqDessinsTextes" });
      else couche = L.circleMarker(ll, L.extend({ renderer: etat.renduPoints, pane: "esqDessinsPoints" }, style(p.categorie, "point")));
    } else {
      couche = L.GeoJSON.geometryToLayer(f, { renderer: etat.rendu, pane: "esqDessins" });
    }
    couche.esqId = f.id;
    return couche;
  }

  function poser(id, couche, meta) {
    couche.esqId = id;
    couche.feature = { type: "Feature", id: id, properties: { esq_id: id } };
    etat.couches[id] = couche;
    etat.meta[id] = meta;
    etat.groupe.addLayer(couche);
    majProprietes(id);
    appliquerStyle(couche);
  }

  function retirer(id) {
    var couche = etat.couches[id];
    if (couche) etat.groupe.removeLayer(couche);
    delete etat.couches[id];
    delete etat.meta[id];
  }

  function majProprietes(id) {
    var m = etat.meta[id];
    var couche = etat.couches[id];
    if (!m || !couche) return;
    couche.feature.properties = { esq_id: id, esq_base: m.base, esq_local: m.local, esq_categorie: m.categorie };
  }

  function changements() {
    var liste = [];
    Object.keys(etat.meta).forEach(function (id) {
      var m = etat.meta[id];
      if (!m.modifie) return;
      var g = etat.couches[id].toGeoJSON(6);
      liste.push({
        type: "Feature",
        id: id,
        geometry: g.geometry,
        properties: { esq_id: id, esq_base: m.base, esq_local: m.local, esq_categorie: m.categorie, esq_genre: genre(etat.couches[id]) },
      });
    });
    Object.keys(etat.tombes).forEach(function (id) {
      var t = etat.tombes[id];
      liste.push({
        type: "Feature",
        id: id,
        geometry: null,
        properties: { esq_id: id, esq_base: t.base, esq_local: t.local, esq_supprime: true },
      });
    });
    return liste;
  }
  D.changements = changements;

  // -- événements de dessin -----------------------------------------------------------------

  function surCreation(e) {
    var couche = e.layer;
    var g = genre(couche, e.layerType);
    var id = nouvelId();
    var cat = g === "texte" ? categoriePour("texte") : categoriePour(g);
    if (g === "texte") couche.options.pane = "esqDessinsTextes";
    else if (g === "point") {
      couche.options.renderer = etat.renduPoints;
      couche.options.pane = "esqDessinsPoints";
    } else if (couche.options) {
      couche.options.renderer = etat.rendu;
      couche.options.pane = "esqDessins";
    }
    poser(id, couche, { base: null, local: compteur(), modifie: true, categorie: cat });
    relier(couche, { properties: { categorie: cat } });
  }

  function surModification(e) {
    e.layers.eachLayer(function (couche) {
      var m = etat.meta[couche.esqId];
      if (!m) return;
      m.local = compteur();
      m.modifie = true;
      majProprietes(couche.esqId);
      appliquerStyle(couche);
    });
  }

  function surSuppression(e) {
    e.layers.eachLayer(function (couche) {
      var id = couche.esqId;
      var m = etat.meta[id];
      if (!m) return;
      var base = m.base === undefined ? null : m.base;
      // Sans base, le dessin n'a peut-être jamais été enregistré… ou vient de l'être, sans que
      // l'accusé soit encore arrivé : la suppression est envoyée quand même, et Python la
      // rapporte à la version que ce poste a écrite, ou l'écarte (edition.rebaser).
      etat.tombes[id] = { base: base, local: compteur() };
      if (base === null) etat.oublies[id] = true; // à ne jamais rétablir depuis un brouillon
      delete etat.couches[id];
      delete etat.meta[id];
    });
  }

  // -- main levée -------------------------------------------------------------------------

  function installerMainLevee(carte) {
    var conteneur = carte.getContainer();
    var actif = false;
    var forcer = null; // « zone » ou « ligne » : imposé par la catégorie choisie sur la tablette
    var points = null;
    var trace = null;
    var bouton;

    function coordonnees(ev) {
      return carte.mouseEventToLatLng(ev);
    }
    function debut(ev) {
      if (!actif || (ev.target.closest && ev.target.closest(".leaflet-control"))) return;
      if (ev.pointerType === "mouse" && ev.button !== 0) return;
      ev.preventDefault();
      ev.stopPropagation();
      try {
        conteneur.setPointerCapture(ev.pointerId);
      } catch (err) {
        /* pointeur déjà relâché */
      }
      points = [coordonnees(ev)];
      var c = etat.legende[categoriePour("ligne")] || {};
      trace = L.polyline(points, { color: c.couleur || "#37474f", weight: c.epaisseur || 3, interactive: false }).addTo(carte);
    }
    function bouge(ev) {
      if (!points) return;
      ev.preventDefault();
      var ll = coordonnees(ev);
      points.push(ll);
      trace.addLatLng(ll);
    }
    function fin() {
      if (!points) return;
      var releves = points;
      points = null;
      carte.removeLayer(trace);
      var pixels = releves.map(function (ll) {
        return carte.latLngToLayerPoint(ll);
      });
      // Simplification (Douglas-Peucker en pixels) : un trait de quelques centaines de
      // points devient quelques dizaines de sommets, fidèles au geste à l'échelle affichée.
      var tolerance = 2.5;
      var simplifies = L.LineUtil.simplify(pixels, tolerance);
      while (simplifies.length > 300) {
        tolerance *= 1.5;
        simplifies = L.LineUtil.simplify(pixels, tolerance);
      }
      if (simplifies.length < 2 || simplifies[0].distanceTo(simplifies[simplifies.length - 1]) + longueur(simplifies) < 8) return;
      var ferme = simplifies.length >= 4 && simplifies[0].distanceTo(simplifies[simplifies.length - 1]) < 30;
      if (forcer === "zone") ferme = simplifies.length >= 3;
      if (forcer === "ligne") ferme = false;
      if (ferme && simplifies[0].distanceTo(simplifies[simplifies.length - 1]) < 30) simplifies.pop();
      var lls = simplifies.map(function (p) {
        return carte.layerPointToLatLng(p);
      });
      var couche = ferme ? L.polygon(lls) : L.polyline(lls);
      carte.fire(L.Draw.Event.CREATED, { layer: couche, layerType: ferme ? "polygon" : "polyline" });
    }
    function longueur(pts) {
      var l = 0;
      for (var i = 1; i < pts.length; i++) l += pts[i].distanceTo(pts[i - 1]);
      return l;
    }
    function basculer(valeur, imposer) {
      actif = valeur === undefined ? !actif : valeur;
      forcer = actif ? imposer || null : null;
      if (bouton) {
        bouton.classList.toggle("esq-actif", actif);
        bouton.setAttribute("aria-pressed", actif ? "true" : "false");
      }
      conteneur.classList.toggle("esq-main-levee", actif);
      if (actif) {
        carte.dragging.disable();
        carte.doubleClickZoom.disable();
        conteneur.style.touchAction = "none";
      } else {
        carte.dragging.enable();
        carte.doubleClickZoom.enable();
        conteneur.style.touchAction = "";
      }
    }
    D.mainLevee = basculer;
    conteneur.addEventListener("pointerdown", debut, true);
    conteneur.addEventListener("pointermove", bouge, true);
    conteneur.addEventListener("pointerup", fin, true);
    conteneur.addEventListener("pointercancel", fin, true);

    var texte = null;
    D.poserTexte = function () {
      basculer(false);
      if (texte) texte.classList.add("esq-actif");
      carte.getContainer().classList.add("esq-pose-texte");
      carte.once("click", function (e) {
        if (texte) texte.classList.remove("esq-actif");
        carte.getContainer().classList.remove("esq-pose-texte");
        var couche = L.marker(e.latlng, { icon: iconeTexte("Texte", null, true) });
        carte.fire(L.Draw.Event.CREATED, { layer: couche, layerType: "texte" });
      });
    };
    carte.on(L.Draw.Event.DRAWSTART, function () {
      basculer(false);
    });
    // Sur la tablette, la palette arme ces outils : pas de boutons ✍ et T.
    if (etat.mode === "tablette") return;
    var Controle = L.Control.extend({
      onAdd: function () {
        var div = element("div", "leaflet-bar esq-outils");
        bouton = element("a", "esq-outil esq-outil-main-levee", "✍");
        bouton.href = "#";
        bouton.title = "Main levée : tracez une ligne ; une boucle refermée devient une zone";
        bouton.setAttribute("role", "button");
        bouton.setAttribute("aria-label", "Dessin à main levée");
        L.DomEvent.on(bouton, "click", function (ev) {
          L.DomEvent.stop(ev);
          basculer();
        });
        texte = element("a", "esq-outil esq-outil-texte", "T");
        texte.href = "#";
        texte.title = "Texte : cliquez sur la carte pour poser une étiquette";
        texte.setAttribute("role", "button");
        texte.setAttribute("aria-label", "Poser un texte");
        L.DomEvent.on(texte, "click", function (ev) {
          L.DomEvent.stop(ev);
          D.poserTexte();
        });
        div.appendChild(bouton);
        div.appendChild(texte);
        L.DomEvent.disableClickPropagation(div);
        return div;
      },
    });
    new Controle({ position: "topleft" }).addTo(carte);
  }

  // -- vers Python ------------------------------------------------------------------------

  // Envoie une valeur à Python par le canal de streamlit-folium (une réexécution). La valeur est
  // jointe à tout envoi suivant de streamlit-folium jusqu'à ce que Python en accuse réception
  // (« recus »), pour qu'un déplacement de la carte au même moment ne l'efface pas.
  var extras = {};
  function envoyer(cle, valeur) {
    var S = window.Streamlit;
    var g = window.__GLOBAL_DATA__;
    if (!g || !S) return;
    if (!S.__esquisse) {
      var original = S.setComponentValue.bind(S);
      S.setComponentValue = function (v) {
        return original(L.extend({}, v, extras));
      };
      S.__esquisse = true;
    }
    extras[cle] = valeur;
    S.setComponentValue(L.extend({}, g.previous_data || {}));
  }
  D.envoyer = envoyer;

  // -- vues nommées (grand territoire et zooms) --------------------------------------------------

  function installerVues(carte) {
    var Controle = L.Control.extend({
      onAdd: function () {
        var div = element("div", "leaflet-bar esq-vues");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        etat.conteneurVues = div;
        dessinerVues();
        return div;
      },
    });
    new Controle({ position: etat.mode === "tablette" ? "topright" : "bottomright" }).addTo(carte);
  }

  function dessinerVues() {
    var div = etat.conteneurVues;
    if (!div) return;
    div.textContent = "";
    var vues = etat.vues || [];
    if (!vues.length && etat.mode !== "edition" && etat.mode !== "tablette") {
      div.style.display = "none";
      return;
    }
    div.style.display = "";
    div.appendChild(element("div", "esq-vues-titre", "Vues"));
    vues.forEach(function (v) {
      var a = element("a", "esq-vue", v.nom);
      a.href = "#";
      a.setAttribute("role", "button");
      a.setAttribute("data-vue", v.id);
      L.DomEvent.on(a, "click", function (ev) {
        L.DomEvent.stop(ev);
        allerA(v.emprise);
      });
      div.appendChild(a);
    });
    if (etat.mode === "edition" || etat.mode === "tablette") {
      var plus = element("a", "esq-vue esq-vue-ajout", "+ Garder cette vue");
      plus.href = "#";
      plus.setAttribute("role", "button");
      plus.title = "Garder le cadrage actuel comme vue nommée (zoom)";
      L.DomEvent.on(plus, "click", function (ev) {
        L.DomEvent.stop(ev);
        var b = etat.carte.getBounds();
        envoyer("vue_a_garder", {
          emprise: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
          jeton: Date.now(),
        });
      });
      div.appendChild(plus);
    }
  }

  function allerA(emprise) {
    etat.carte.fitBounds(
      [
        [emprise[1], emprise[0]],
        [emprise[3], emprise[2]],
      ],
      { animate: false }
    );
  }

  // -- palette de la tablette : une catégorie, puis le geste ---------------------------------------

  function installerPalette(carte) {
    var Controle = L.Control.extend({
      onAdd: function () {
        var div = element("div", "esq-palette");
        div.setAttribute("role", "toolbar");
        div.setAttribute("aria-label", "Catégories");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        etat.conteneurPalette = div;
        return div;
      },
    });
    new Controle({ position: "bottomleft" }).addTo(carte);
  }

  // Toutes les catégories à la vue, rangées par géométrie : une rangée par groupe, sans défilement.
  var GROUPES_PALETTE = [
    ["Zones", ["zone"]],
    ["Lignes", ["ligne", "ligne_ou_zone"]],
    ["Points, textes", ["point", "texte"]],
  ];

  function dessinerPalette() {
    var div = etat.conteneurPalette;
    if (!div) return;
    div.textContent = "";
    GROUPES_PALETTE.forEach(function (groupe) {
      var ids = etat.ordreLegende.filter(function (id) {
        return groupe[1].indexOf(etat.legende[id].geometrie) >= 0;
      });
      if (!ids.length) return;
      var rangee = element("div", "esq-palette-groupe");
      rangee.setAttribute("role", "group");
      rangee.setAttribute("aria-label", groupe[0]);
      rangee.appendChild(element("span", "esq-palette-titre", groupe[0]));
      ids.forEach(function (id) {
        var c = etat.legende[id];
        var bouton = element("button", "esq-pastille" + (id === etat.categorie ? " esq-actif" : ""));
        bouton.type = "button";
        bouton.setAttribute("data-categorie", id);
        bouton.setAttribute("aria-pressed", id === etat.categorie ? "true" : "false");
        bouton.appendChild(symbole(c));
        bouton.appendChild(element("span", null, c.nom));
        L.DomEvent.on(bouton, "click", function (ev) {
          L.DomEvent.stop(ev);
          choisirCategorie(id);
        });
        rangee.appendChild(bouton);
      });
      div.appendChild(rangee);
    });
  }

  // La barre d'outils de la tablette : ce qu'il faut au doigt, avec des mots. « Déplacer la carte »
  // désarme le dessin (le doigt fait de nouveau glisser la carte) ; « Retoucher » et « Supprimer »
  // sont les outils de Leaflet.draw, libellés en clair.
  function installerOutilsTablette(carte, controle) {
    var Controle = L.Control.extend({
      onAdd: function () {
        var div = element("div", "leaflet-bar esq-outils-tablette");
        var deplacer = outilLibelle(element("a", "esq-outil-tablette esq-outil-deplacer"), "✥", "Déplacer la carte");
        deplacer.href = "#";
        deplacer.setAttribute("role", "button");
        L.DomEvent.on(deplacer, "click", function (ev) {
          L.DomEvent.stop(ev);
          desarmer();
        });
        div.appendChild(deplacer);
        L.DomEvent.disableClickPropagation(div);
        etat.boutonDeplacer = deplacer;
        return div;
      },
    });
    new Controle({ position: "topleft" }).addTo(carte);
    var libelles = { edit: ["✎", "Retoucher"], remove: ["✖", "Supprimer"] };
    var modes = (controle._toolbars.edit && controle._toolbars.edit._modes) || {};
    Object.keys(libelles).forEach(function (type) {
      if (modes[type]) outilLibelle(modes[type].button, libelles[type][0], libelles[type][1]);
    });
    majDeplacer();
  }

  // Un bouton d'outil : un signe (muet pour les lecteurs d'écran) et un mot, visibles tous deux.
  function outilLibelle(a, signe, mot) {
    a.textContent = "";
    var s = element("span", "esq-signe-outil", signe);
    s.setAttribute("aria-hidden", "true");
    a.appendChild(s);
    a.appendChild(document.createTextNode(" " + mot));
    a.setAttribute("role", "button");
    return a;
  }

  function desarmer() {
    if (etat.outil) etat.outil.disable();
    etat.outil = null;
    if (D.mainLevee) D.mainLevee(false);
    etat.categorie = null;
    dessinerPalette();
    majDeplacer();
  }

  function majDeplacer() {
    if (etat.boutonDeplacer) etat.boutonDeplacer.classList.toggle("esq-actif", !etat.categorie);
  }

  // Choisir une catégorie arme l'outil qui lui convient : deux gestes, la catégorie puis le dessin.
  function choisirCategorie(id) {
    etat.categorie = id;
    dessinerPalette();
    majDeplacer();
    var c = etat.legende[id];
    if (etat.outil) etat.outil.disable();
    etat.outil = null;
    if (c.geometrie === "point") {
      D.mainLevee(false);
      etat.outil = new L.Draw.CircleMarker(etat.carte, { radius: 12, color: "#ffffff", weight: 2, fillColor: c.couleur, fillOpacity: 0.9 });
      etat.outil.enable();
    } else if (c.geometrie === "texte") {
      D.mainLevee(false);
      D.poserTexte();
    } else {
      D.mainLevee(true, c.geometrie === "zone" ? "zone" : c.geometrie === "ligne" ? "ligne" : null);
    }
  }
  D.choisirCategorie = choisirCategorie;

  function symbole(c) {
    var s = element("span", "esq-symbole esq-symbole-" + c.geometrie);
    s.style.setProperty("--couleur", c.couleur);
    if (c.geometrie === "ligne" || c.geometrie === "ligne_ou_zone") s.style.borderTopStyle = { tirets: "dashed", pointilles: "dotted" }[c.trait] || "solid";
    if (c.geometrie === "texte") s.textContent = "Abc";
    return s;
  }

  // -- légende de la projection --------------------------------------------------------------------

  // La légende ne cache jamais une esquisse : elle prend le premier coin de la carte où elle ne
  // touche aucune esquisse ; s'il n'y en a pas, le coin le moins gênant, repliée (un toucher l'ouvre).
  var COINS_LEGENDE = ["bottomleft", "topright", "bottomright", "topleft"];

  function installerLegende(carte) {
    var Controle = L.Control.extend({
      onAdd: function () {
        if (!etat.conteneurLegende) {
          var div = element("div", "esq-legende-carte");
          var bouton = element("button", "esq-legende-bouton", "Légende");
          bouton.type = "button";
          L.DomEvent.on(bouton, "click", function (ev) {
            L.DomEvent.stop(ev);
            etat.legendeOuverte = div.classList.contains("esq-legende-repliee");
            div.classList.toggle("esq-legende-repliee", !etat.legendeOuverte);
          });
          div.appendChild(bouton);
          div.appendChild(element("div", "esq-legende-lignes"));
          L.DomEvent.disableClickPropagation(div);
          etat.conteneurLegende = div;
        }
        return etat.conteneurLegende;
      },
    });
    etat.controleLegende = new Controle({ position: "bottomleft" }).addTo(carte);
    Esquisse.placeur(carte).avantPlacement(placerLegende);
  }

  function boitesEsquisses() {
    var boites = [];
    Object.keys(etat.couches).forEach(function (id) {
      var b = Esquisse.boiteEsquisse(etat.carte, etat.couches[id]);
      if (b) boites.push(b);
    });
    return boites;
  }

  // Un coin vaut mieux qu'un autre s'il touche moins d'esquisses, puis s'il prive moins de titres de
  // leur place (``essayer``, voir carte.js).
  function placerLegende(essayer) {
    var div = etat.conteneurLegende;
    if (!div || div.style.display === "none") return;
    var origine = etat.carte.getContainer().getBoundingClientRect();
    var boites = boitesEsquisses();
    div.classList.remove("esq-legende-repliee");
    var meilleur = null;
    for (var i = 0; i < COINS_LEGENDE.length && !(meilleur && meilleur.gene === 0 && meilleur.titres === 0); i++) {
      if (etat.controleLegende.getPosition() !== COINS_LEGENDE[i]) etat.controleLegende.setPosition(COINS_LEGENDE[i]);
      var b = Esquisse.boiteRelative(div, origine);
      var gene = 0;
      boites.forEach(function (e) {
        var w = Math.min(b.x + b.w, e.x + e.w) - Math.max(b.x, e.x);
        var h = Math.min(b.y + b.h, e.y + e.h) - Math.max(b.y, e.y);
        if (w > 0 && h > 0) gene += w * h;
      });
      var titres = gene === 0 ? essayer() : Infinity;
      if (!meilleur || gene < meilleur.gene || (gene === meilleur.gene && titres < meilleur.titres)) meilleur = { coin: COINS_LEGENDE[i], gene: gene, titres: titres };
    }
    if (etat.controleLegende.getPosition() !== meilleur.coin) etat.controleLegende.setPosition(meilleur.coin);
    div.classList.toggle("esq-legende-repliee", meilleur.gene > 0 && !etat.legendeOuverte);
    div.setAttribute("data-coin", meilleur.coin);
  }

  function dessinerLegende(entites) {
    var div = etat.conteneurLegende;
    if (!div) return;
    var employees = {};
    entites.forEach(function (f) {
      employees[(f.properties || {}).categorie] = true;
    });
    var lignes = div.querySelector(".esq-legende-lignes");
    lignes.textContent = "";
    var ids = etat.ordreLegende.filter(function (id) {
      return employees[id];
    });
    div.style.display = ids.length ? "" : "none";
    ids.forEach(function (id) {
      var ligne = element("div", "esq-legende-ligne");
      ligne.appendChild(symbole(etat.legende[id]));
      ligne.appendChild(element("span", null, etat.legende[id].nom));
      lignes.appendChild(ligne);
    });
  }

  // -- français pour Leaflet.draw ------------------------------------------------------------

  function franciser() {
    var t = L.drawLocal;
    t.draw.toolbar.actions = { title: "Annuler le dessin", text: "Annuler" };
    t.draw.toolbar.finish = { title: "Terminer le dessin", text: "Terminer" };
    t.draw.toolbar.undo = { title: "Effacer le dernier point", text: "Effacer le dernier point" };
    t.draw.toolbar.buttons = {
      polyline: "Ligne",
      polygon: "Zone",
      rectangle: "Rectangle",
      circle: "Cercle",
      marker: "Repère",
      circlemarker: "Point",
    };
    t.draw.handlers.circlemarker.tooltip.start = "Cliquez sur la carte pour placer le point.";
    t.draw.handlers.marker.tooltip.start = "Cliquez sur la carte pour placer le repère.";
    t.draw.handlers.polygon.tooltip = {
      start: "Cliquez pour commencer la zone.",
      cont: "Cliquez pour continuer la zone.",
      end: "Cliquez sur le premier point pour fermer la zone.",
    };
    t.draw.handlers.polyline.error = "Les côtés ne doivent pas se croiser.";
    t.draw.handlers.polyline.tooltip = {
      start: "Cliquez pour commencer la ligne.",
      cont: "Cliquez pour continuer la ligne.",
      end: "Cliquez sur le dernier point pour finir la ligne.",
    };
    t.draw.handlers.rectangle.tooltip.start = "Cliquez et faites glisser pour tracer le rectangle.";
    t.draw.handlers.simpleshape.tooltip.end = "Relâchez pour terminer.";
    t.edit.toolbar.actions = {
      save: { title: "Valider les modifications (à enregistrer ensuite)", text: "Valider" },
      cancel: { title: "Annuler les modifications", text: "Annuler" },
      clearAll: { title: "Tout effacer", text: "Tout effacer" },
    };
    t.edit.toolbar.buttons = {
      edit: "Modifier les formes",
      editDisabled: "Rien à modifier",
      remove: "Supprimer",
      removeDisabled: "Rien à supprimer",
    };
    t.edit.handlers.edit.tooltip = {
      text: "Déplacez les sommets pour modifier les formes.",
      subtext: "« Annuler » rétablit les formes d'avant.",
    };
    t.edit.handlers.remove.tooltip = { text: "Touchez une esquisse pour la supprimer." };
  }

  // -- initialisation et synchronisation -------------------------------------------------------

  D.initialiser = function (carte, config) {
    etat.carte = carte;
    franciser();
    carte.createPane("esqDessins").style.zIndex = 420;
    carte.createPane("esqDessinsPoints").style.zIndex = 430;
    carte.createPane("esqDessinsTextes").style.zIndex = 640;
    etat.rendu = L.svg({ pane: "esqDessins", padding: 0.5 });
    etat.renduPoints = L.svg({ pane: "esqDessinsPoints", padding: 0.5 });
    carte.addLayer(etat.rendu);
    carte.addLayer(etat.renduPoints);
    var groupe = L.featureGroup().addTo(carte);
    // streamlit-folium lit window.drawnItems.toGeoJSON() : on ne lui donne que les changements.
    groupe.toGeoJSON = function () {
      return { type: "FeatureCollection", features: changements() };
    };
    window.drawnItems = etat.groupe = groupe;
    etat.mode = (config && config.mode) || "edition";
    document.body.classList.add("esq-mode-" + etat.mode);
    Esquisse.titresEsquisses(carte, "esquisses", function () {
      return Object.keys(etat.couches).map(function (id) {
        return { cle: id, couche: etat.couches[id], titre: etat.couches[id].esqTitre };
      });
    });
    installerVues(carte);
    if (etat.mode === "lecture" || etat.mode === "projection") {
      if (etat.mode === "projection") installerLegende(carte);
      document.body.setAttribute("data-esquisse-dessin", etat.mode);
      return groupe;
    }
    var s = { shapeOptions: { color: "#37474f", weight: 3 }, showArea: false, showLength: false };
    var tablette = etat.mode === "tablette";
    // Sur la tablette, la palette choisit l'outil : la barre ne garde que retoucher et supprimer.
    var controle = new L.Control.Draw({
      position: "topleft",
      draw: tablette
        ? { polygon: false, rectangle: false, polyline: false, circlemarker: false, marker: false, circle: false }
        : {
            polygon: L.extend({ allowIntersection: true }, s),
            rectangle: s,
            polyline: s,
            circlemarker: { radius: 10, color: "#ffffff", weight: 2, fillColor: "#37474f", fillOpacity: 0.9 },
            marker: false,
            circle: false,
          },
      edit: { featureGroup: groupe, edit: { selectedPathOptions: { maintainColor: true, dashArray: "6 6" } } },
    });
    carte.addControl(controle);
    installerMainLevee(carte);
    if (tablette) {
      installerPalette(carte);
      installerOutilsTablette(carte, controle);
    }
    carte.on(L.Draw.Event.CREATED, surCreation);
    carte.on(L.Draw.Event.CREATED + " " + L.Draw.Event.EDITED + " " + L.Draw.Event.DELETED, replacer);
    carte.on(L.Draw.Event.EDITED, surModification);
    carte.on(L.Draw.Event.DELETED, surSuppression);
    carte.on("draw:editstart draw:deletestart", function () {
      etat.modeActif = true;
    });
    carte.on("draw:editstop draw:deletestop", function () {
      etat.modeActif = false;
      if (etat.differe) {
        var d = etat.differe;
        etat.differe = null;
        D.synchroniser(d);
      }
    });
    document.body.setAttribute("data-esquisse-dessin", "pret");
    return groupe;
  };

  D.synchroniser = function (donnees) {
    // streamlit-folium évalue ce code sans rien signaler d'une erreur : on la rend visible.
    try {
      synchroniser(donnees);
    } catch (erreur) {
      console.error("Esquisse : synchronisation impossible", erreur);
      document.body.setAttribute("data-esquisse-erreur", String(erreur && erreur.stack ? erreur.stack : erreur));
    }
  };

  function synchroniser(donnees) {
    if (!etat.groupe) return;
    if (etat.modeActif) {
      // Ne pas changer les formes sous les doigts de quelqu'un qui les modifie.
      etat.differe = donnees;
      return;
    }
    etat.legende = {};
    etat.ordreLegende = [];
    (donnees.legende || []).forEach(function (c) {
      etat.legende[c.id] = c;
      etat.ordreLegende.push(c.id);
    });
    // Sur la tablette, la catégorie se choisit dans la carte (palette) : Python ne l'impose pas.
    if (etat.mode !== "tablette") etat.categorie = donnees.categorie || null;
    etat.enAttente = donnees.en_attente || {};
    etat.vues = donnees.vues || [];
    Object.keys(donnees.recus || {}).forEach(function (cle) {
      if (extras[cle] && extras[cle].jeton === donnees.recus[cle]) delete extras[cle];
    });
    dessinerVues();
    dessinerPalette();
    // La vue d'ensemble s'ouvre au-dessus de la palette, pas dessous.
    if (etat.conteneurPalette && !etat.recadree && Esquisse.recadrer) {
      etat.recadree = true;
      Esquisse.recadrer();
    }

    // Accusés de réception : ces changements locaux sont enregistrés.
    var acquittes = donnees.acquittes || {};
    Object.keys(acquittes).forEach(function (id) {
      var m = etat.meta[id];
      if (m && m.modifie && m.local === acquittes[id]) m.modifie = false;
      var t = etat.tombes[id];
      if (t && t.local === acquittes[id]) delete etat.tombes[id];
    });
    // Changements locaux abandonnés (conflit tranché en faveur de l'autre version).
    (donnees.abandonner || []).forEach(function (id) {
      if (etat.meta[id]) etat.meta[id].modifie = false;
      if (etat.meta[id] && etat.meta[id].base === null) retirer(id);
      delete etat.tombes[id];
    });

    var version = donnees.version || 0;
    var recus = {};
    (donnees.entites || []).forEach(function (f) {
      recus[f.id] = true;
      var texte = JSON.stringify(f);
      var m = etat.meta[f.id];
      if (etat.tombes[f.id]) {
        etat.serveur[f.id] = texte;
        return;
      }
      if (m && m.modifie) {
        etat.serveur[f.id] = texte;
        relier(etat.couches[f.id], f);
        return;
      }
      if (m && etat.serveur[f.id] === texte) {
        m.base = version;
        m.titre = (f.properties || {}).titre;
        m.categorie = (f.properties || {}).categorie;
        majProprietes(f.id);
        appliquerStyle(etat.couches[f.id]);
        return;
      }
      var nouvelle = !m && etat.version > 0;
      if (m) retirer(f.id);
      var props = f.properties || {};
      poser(f.id, coucheDepuis(f), { base: version, local: 0, modifie: false, categorie: props.categorie, titre: props.titre });
      relier(etat.couches[f.id], f);
      etat.serveur[f.id] = texte;
      if (nouvelle) signaler(etat.couches[f.id]);
    });
    // Entités enregistrées puis supprimées ailleurs, sans changement local : on les retire.
    Object.keys(etat.meta).forEach(function (id) {
      var m = etat.meta[id];
      if (!m.modifie && !recus[id]) {
        retirer(id);
        delete etat.serveur[id];
      }
    });
    Object.keys(etat.tombes).forEach(function (id) {
      if (!recus[id]) delete etat.tombes[id]; // déjà supprimée dans la version reçue
    });
    // Changements locaux gardés par Python (après un rechargement de la carte) : on les rétablit.
    (donnees.restaurer || []).forEach(function (f) {
      var p = f.properties || {};
      if (etat.oublies[f.id] || etat.tombes[f.id]) return;
      if (p.esq_supprime) {
        if (!etat.tombes[f.id] && recus[f.id]) {
          etat.tombes[f.id] = { base: p.esq_base, local: p.esq_local };
          retirer(f.id);
        }
        return;
      }
      if (etat.meta[f.id] && etat.meta[f.id].modifie) return;
      if (etat.meta[f.id]) retirer(f.id);
      var couche;
      if (f.geometry.type === "Point" && p.esq_genre === "texte") couche = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], { icon: iconeTexte("Texte", null, true), pane: "esqDessinsTextes" });
      else couche = coucheDepuis({ type: "Feature", id: f.id, geometry: f.geometry, properties: { categorie: p.esq_categorie } });
      poser(f.id, couche, { base: p.esq_base === undefined ? null : p.esq_base, local: p.esq_local || 1, modifie: true, categorie: p.esq_categorie });
    });
    // Styles et fiches des dessins en attente (catégorie et titre choisis dans le formulaire).
    Object.keys(etat.meta).forEach(function (id) {
      var m = etat.meta[id];
      if (!m.modifie) return;
      var a = etat.enAttente[id];
      if (a && a.categorie) m.categorie = a.categorie;
      majProprietes(id);
      appliquerStyle(etat.couches[id]);
      if (a) relier(etat.couches[id], { properties: a });
    });
    dessinerLegende(donnees.entites || []);
    // Titres et légende reprennent leur place à l'image suivante (un titre ajouté ailleurs apparaît aussitôt).
    replacer();
    etat.version = version;
    document.body.setAttribute("data-esquisse-version", String(version));
  }

  // Une contribution qui arrive d'un autre poste clignote quelques secondes.
  function signaler(couche) {
    var el = couche._path || (couche._icon && couche._icon.firstChild);
    if (!el) return;
    el.classList.add("esq-nouveau");
    setTimeout(function () {
      el.classList.remove("esq-nouveau");
    }, 6000);
  }
})();
