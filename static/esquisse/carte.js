/*
 * Esquisse : couches de référence, fonds de carte et étiquettes dans la carte Leaflet.
 *
 * La carte générée par folium appelle Esquisse.initialiser(carte, config). Les couches
 * sont téléchargées depuis le dossier statique de l'application (jamais d'un CDN) et
 * dessinées sur un même canevas, dans l'ordre communes < EPCI < SCoT < périmètre.
 * Tout texte venant des données passe par textContent : rien n'est interprété comme HTML.
 */
(function () {
  "use strict";

  var Esquisse = (window.Esquisse = window.Esquisse || {});

  // -- Leaflet en français : zoom, couches, infobulles, attribution --------------------------------
  // Posé sur les prototypes avant que folium ne crée la carte (ce fichier est chargé avant).
  // ``esquisseSansTraduction`` laisse l'anglais (test du relevé des textes anglais).
  if (!window.esquisseSansTraduction && window.L && !L.esquisseFrancais) {
    L.esquisseFrancais = true;
    L.Control.Zoom.prototype.options.zoomInTitle = "Zoom avant";
    L.Control.Zoom.prototype.options.zoomOutTitle = "Zoom arrière";
    L.Control.Attribution.prototype.options.prefix =
      '<a href="https://leafletjs.com" title="Leaflet, bibliothèque de cartes interactives">Leaflet</a>';
    var couchesInit = L.Control.Layers.prototype._initLayout;
    L.Control.Layers.prototype._initLayout = function () {
      couchesInit.apply(this, arguments);
      if (this._layersLink) {
        this._layersLink.title = "Couches";
        this._layersLink.setAttribute("aria-label", "Couches");
      }
    };
    var infobulleInit = L.Popup.prototype._initLayout;
    L.Popup.prototype._initLayout = function () {
      infobulleInit.apply(this, arguments);
      var fermer = this._container && this._container.querySelector(".leaflet-popup-close-button");
      if (fermer) {
        fermer.setAttribute("aria-label", "Fermer l'infobulle");
        fermer.title = "Fermer";
      }
    };
  }
  var nombreFr = new Intl.NumberFormat("fr-FR");
  var TUILE_VIDE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
  var ETIQUETTES_MAX = 400;

  function element(balise, classe, texte) {
    var el = document.createElement(balise);
    if (classe) el.className = classe;
    if (texte !== undefined && texte !== null) el.textContent = String(texte);
    return el;
  }
  Esquisse.element = element;

  // Pointe de flèche au bout des lignes de trait « flèche » : un marqueur SVG par couleur, créé
  // une fois dans le rendu SVG ``svg`` sous l'identifiant ``id`` (unique dans le document).
  Esquisse.marqueurFleche = function (svg, id, couleur) {
    if (!svg.querySelector("#" + id)) {
      var ns = "http://www.w3.org/2000/svg";
      var defs = svg.querySelector("defs") || svg.insertBefore(document.createElementNS(ns, "defs"), svg.firstChild);
      var m = document.createElementNS(ns, "marker");
      m.setAttribute("id", id);
      m.setAttribute("viewBox", "0 0 10 10");
      m.setAttribute("refX", "6");
      m.setAttribute("refY", "5");
      m.setAttribute("markerWidth", "4");
      m.setAttribute("markerHeight", "4");
      m.setAttribute("orient", "auto-start-reverse");
      var pointe = document.createElementNS(ns, "path");
      pointe.setAttribute("d", "M 0 0 L 10 5 L 0 10 z");
      pointe.setAttribute("fill", couleur);
      m.appendChild(pointe);
      defs.appendChild(m);
    }
    return "url(#" + id + ")";
  };

  // Style Leaflet d'une esquisse selon sa catégorie de légende et sa nature (point, ligne,
  // zone) : le même sur la carte d'édition, la tablette, la projection et les comparaisons.
  var TIRETS = { tirets: "12 9", pointilles: "1 9" };
  Esquisse.styleCategorie = function (c, nature) {
    var s = {
      color: c.couleur,
      weight: c.epaisseur,
      opacity: 0.95,
      fillColor: c.couleur,
      fillOpacity: nature === "zone" ? 0.28 : 0,
      dashArray: TIRETS[c.trait] || null,
      lineCap: "round",
      lineJoin: "round",
    };
    if (nature === "point") {
      s.radius = 7 + c.epaisseur;
      s.fillOpacity = 0.9;
      s.color = "#ffffff";
      s.weight = 2;
      s.dashArray = null;
    }
    return s;
  };

  function valeurAffichee(valeur, format) {
    if (valeur === null || valeur === undefined || valeur === "") return "—";
    if (format === "nombre" && typeof valeur === "number") return nombreFr.format(valeur);
    return String(valeur);
  }

  function infobulle(config) {
    return function (couche) {
      var props = (couche.feature && couche.feature.properties) || {};
      var boite = element("div", "esq-infobulle");
      config.champs.forEach(function (champ, i) {
        var ligne = element("div", i === 0 ? "esq-infobulle-titre" : "esq-infobulle-ligne");
        if (i > 0) ligne.appendChild(element("span", "esq-infobulle-libelle", champ.libelle + " : "));
        ligne.appendChild(element("span", "esq-infobulle-valeur", valeurAffichee(props[champ.nom], champ.format)));
        boite.appendChild(ligne);
      });
      if (config.avertissement) boite.appendChild(element("div", "esq-infobulle-note", config.avertissement));
      return boite;
    };
  }

  function avis(carte, texte) {
    if (!carte._esqAvis) {
      var Controle = L.Control.extend({
        onAdd: function () {
          var div = element("div", "esq-avis leaflet-bar");
          div.setAttribute("role", "status");
          return div;
        },
      });
      carte._esqAvis = new Controle({ position: "bottomleft" }).addTo(carte);
    }
    var conteneur = carte._esqAvis.getContainer();
    if (!texte) {
      conteneur.style.display = "none";
      return;
    }
    conteneur.textContent = texte;
    conteneur.style.display = "";
  }
  Esquisse.avis = avis;

  function installerFonds(carte, config) {
    var fonds = {};
    var parId = {};
    var compteErreurs = 0;
    config.fonds.forEach(function (fond) {
      var couche;
      if (fond.url) {
        couche = L.tileLayer(fond.url, {
          attribution: fond.attribution,
          maxZoom: fond.zoom_max,
          errorTileUrl: TUILE_VIDE,
          crossOrigin: true,
        });
        couche.on("tileerror", function () {
          compteErreurs += 1;
          if (compteErreurs === 1 || compteErreurs % 20 === 0) {
            avis(carte, "Fond « " + fond.nom + " » indisponible (pas de réseau ?) : la carte reste utilisable sans fond.");
          }
        });
        couche.on("tileload", function (e) {
          // La tuile de remplacement d'une tuile en échec déclenche aussi « tileload ».
          if (e.tile && e.tile.src === TUILE_VIDE) return;
          if (compteErreurs) {
            compteErreurs = 0;
            avis(carte, null);
          }
        });
      } else {
        couche = L.layerGroup();
      }
      fonds[fond.nom] = couche;
      parId[fond.id] = couche;
    });
    var choisi = config.fond_defaut;
    try {
      var memorise = window.localStorage.getItem("esquisse.fond");
      if (memorise && parId[memorise]) choisi = memorise;
    } catch (e) {
      /* stockage local indisponible : on garde le fond par défaut */
    }
    parId[choisi].addTo(carte);
    carte.on("baselayerchange", function (e) {
      compteErreurs = 0;
      avis(carte, null);
      Object.keys(parId).forEach(function (id) {
        if (parId[id] === e.layer) {
          try {
            window.localStorage.setItem("esquisse.fond", id);
          } catch (err) {
            /* rien à faire */
          }
        }
      });
    });
    return fonds;
  }

  function installerEtiquettes(carte, donnees, config, coucheSource, zoomMin) {
    var groupe = L.layerGroup();
    var points = donnees.features
      .filter(function (f) {
        return f.properties._etiquette && f.properties[config.etiquette];
      })
      .map(function (f) {
        return {
          latlng: L.latLng(f.properties._etiquette[1], f.properties._etiquette[0]),
          texte: String(f.properties[config.etiquette]),
        };
      });
    function maj() {
      groupe.clearLayers();
      if (carte.getZoom() < zoomMin || !carte.hasLayer(coucheSource)) {
        if (carte.hasLayer(groupe)) carte.removeLayer(groupe);
        return;
      }
      var vue = carte.getBounds().pad(0.1);
      var n = 0;
      for (var i = 0; i < points.length && n < ETIQUETTES_MAX; i++) {
        if (!vue.contains(points[i].latlng)) continue;
        var contenu = element("span", null, points[i].texte);
        groupe.addLayer(
          L.marker(points[i].latlng, {
            icon: L.divIcon({ className: "esq-etiquette", html: contenu, iconSize: null }),
            interactive: false,
            keyboard: false,
            pane: "esqEtiquettes",
          })
        );
        n += 1;
      }
      if (!carte.hasLayer(groupe)) groupe.addTo(carte);
    }
    carte.on("moveend zoomend overlayadd overlayremove", maj);
    maj();
    return groupe;
  }

  // Fichiers préparés compressés une fois pour toutes (.json.gz) : décompressés ici.
  function telecharger(prefixe, chemin) {
    return fetch(prefixe + "/" + chemin, { credentials: "same-origin" }).then(function (reponse) {
      if (!reponse.ok) throw new Error("HTTP " + reponse.status);
      if (/\.gz$/.test(chemin)) {
        return new Response(reponse.body.pipeThrough(new DecompressionStream("gzip"))).json();
      }
      return reponse.json();
    });
  }

  // Une couche étendue arrive simplifiée (rapide à charger et à dessiner en vue d'ensemble) ;
  // ses contours exacts ne sont téléchargés qu'au premier zoom où la simplification se verrait,
  // puis échangés entité par entité (infobulles, styles et sélection restent en place).
  var NIVEAUX = { Polygon: 1, MultiPolygon: 2, LineString: 0, MultiLineString: 1 };

  function installerDetail(carte, prefixe, c, couche) {
    var detail = null;
    var enDetail = false;
    function echanger(geometries) {
      couche.eachLayer(function (l) {
        if (!l._esqApercu) l._esqApercu = l.getLatLngs();
        var g = geometries ? geometries[l._esqRang] : null;
        l.setLatLngs(g ? L.GeoJSON.coordsToLatLngs(g.coordinates, NIVEAUX[g.type]) : l._esqApercu);
      });
    }
    function maj() {
      var voulu = carte.getZoom() >= c.zoom_detail;
      if (voulu === enDetail) return;
      enDetail = voulu;
      if (!voulu) {
        echanger(null);
        document.body.setAttribute("data-esquisse-detail-" + c.id, "non");
        return;
      }
      if (!detail) detail = telecharger(prefixe, c.chemin_detail);
      detail.then(
        function (d) {
          if (!enDetail) return;
          echanger(d.geometries);
          document.body.setAttribute("data-esquisse-detail-" + c.id, "oui");
        },
        function () {
          avis(carte, "Contours détaillés de « " + c.nom + " » non chargés : la couche reste simplifiée.");
        }
      );
    }
    carte.on("zoomend", maj);
    maj();
  }

  Esquisse.couches = {};

  Esquisse.initialiser = function (carte, config) {
    Esquisse.carte = carte;
    Esquisse.config = config;
    L.Icon.Default.imagePath = config.prefixe + "/vendor/leaflet/images/";
    carte.attributionControl.setPrefix(false);
    if (config.attribution) carte.attributionControl.addAttribution(config.attribution);
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(carte);
    var e = config.emprise;
    var emprise = L.latLngBounds([e[1], e[0]], [e[3], e[2]]);
    // La taille de l'iframe n'est connue qu'après sa création : recadrer quand elle change.
    var cadrageInitial = true;
    function cadrer() {
      carte.invalidateSize({ pan: false });
      if (cadrageInitial) carte.fitBounds(emprise, { padding: [12, 12], animate: false });
    }
    carte.once("mousedown touchstart wheel keydown", function () {
      cadrageInitial = false;
    });
    if (window.ResizeObserver) new ResizeObserver(cadrer).observe(carte.getContainer());
    cadrer();
    var fonds = installerFonds(carte, config);
    // Replié sur les petits écrans (tablette), où il cacherait la carte.
    var replie = config.controle_replie || carte.getSize().x < 1100;
    var controle = L.control.layers(fonds, {}, { collapsed: replie, position: "topright" }).addTo(carte);
    Esquisse.controleCouches = controle;
    carte.createPane("esqEtiquettes").style.zIndex = 450;
    // Un seul canevas pour toutes les couches de référence : l'ordre de dessin suit la
    // configuration, et le survol atteint la couche la plus haute sous le pointeur.
    carte.createPane("esqReference").style.zIndex = 350;
    var rendu = L.canvas({ pane: "esqReference", padding: 0.5, tolerance: 4 });

    var chargements = config.couches.map(function (c) {
      return telecharger(config.prefixe, c.chemin)
        .then(function (donnees) {
          var rang = 0;
          var couche = L.geoJSON(donnees, {
            onEachFeature: function (f, l) {
              l._esqRang = rang++;
            },
            renderer: rendu,
            pane: "esqReference",
            style: function () {
              return c.style;
            },
            interactive: c.champs.length > 0,
          });
          if (c.champs.length) couche.bindTooltip(infobulle(c), { sticky: true, direction: "top", opacity: 0.95 });
          return { config: c, couche: couche, donnees: donnees };
        });
    });

    var ordre = [];
    function reordonner() {
      ordre.forEach(function (couche) {
        if (carte.hasLayer(couche)) couche.bringToFront();
      });
    }
    carte.on("overlayadd", reordonner);

    Promise.allSettled(chargements).then(function (resultats) {
      var echecs = [];
      resultats.forEach(function (r, i) {
        var c = config.couches[i];
        if (r.status !== "fulfilled") {
          echecs.push(c.nom);
          return;
        }
        var couche = r.value.couche;
        Esquisse.couches[c.id] = couche;
        ordre.push(couche);
        if (c.visible) couche.addTo(carte);
        controle.addOverlay(couche, c.nom);
        if (c.etiquette) installerEtiquettes(carte, r.value.donnees, c, couche, config.zoom_etiquettes);
        if (c.chemin_detail) installerDetail(carte, config.prefixe, c, couche);
      });
      if (echecs.length) avis(carte, "Couche(s) non chargée(s) : " + echecs.join(", ") + ". Rechargez la page.");
      Esquisse.pret = true;
      window.esquissePretA = Date.now();
      document.body.setAttribute("data-esquisse-pret", echecs.length ? "partiel" : "oui");
      carte.fire("esquisse:pret");
    });
  };
})();
