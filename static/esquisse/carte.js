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
  function auMur() {
    return document.body.classList.contains("esq-mode-projection");
  }
  Esquisse.styleCategorie = function (c, nature) {
    // Au mur, les esquisses passent devant le fond : traits plus épais, points bien visibles.
    var mur = auMur();
    var s = {
      color: c.couleur,
      weight: mur ? Math.round(c.epaisseur * 1.4) : c.epaisseur,
      opacity: 0.95,
      fillColor: c.couleur,
      fillOpacity: nature === "zone" ? 0.28 : 0,
      dashArray: TIRETS[c.trait] || null,
      lineCap: "round",
      lineJoin: "round",
    };
    if (nature === "point") {
      s.radius = mur ? 13 + 2 * c.epaisseur : 7 + c.epaisseur;
      s.fillOpacity = 0.9;
      s.color = "#ffffff";
      s.weight = mur ? 3 : 2;
      s.dashArray = null;
    }
    return s;
  };

  // Au mur, les couches de référence reculent : traits plus fins et plus pâles.
  function adoucir(style) {
    var s = L.extend({}, style);
    s.weight = Math.max(0.6, (style.weight || 1) * 0.6);
    s.opacity = (style.opacity === undefined ? 1 : style.opacity) * 0.5;
    if (style.fillOpacity) s.fillOpacity = style.fillOpacity * 0.5;
    return s;
  }

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

  // -- étiquettes sans chevauchement ------------------------------------------------------------
  //
  // Chaque carte a un placeur. Des sources proposent des étiquettes : texte, classe CSS, priorité,
  // positions candidates en pixels du conteneur ({x, y, ax, ay} : le point (x, y) tombe à la
  // fraction (ax, ay) de la boîte de l'étiquette). Le placeur les pose par priorité décroissante
  // (titres des esquisses, puis noms des communes par population), chacune à sa première position
  // dont la boîte (élargie de sa marge) ne touche ni une étiquette déjà posée, ni un obstacle
  // (points des esquisses, contrôles de la carte). Il recommence à chaque déplacement ou zoom.
  var PRIORITE_TITRE = 100;

  function Placeur(carte) {
    this.carte = carte;
    this.sources = {};
    this.obstacles = {};
    this.avant = [];
    var pane = carte.getPane("esqEtiquettes") || carte.createPane("esqEtiquettes");
    pane.style.zIndex = 450;
    this.calque = element("div", "esq-calque-etiquettes leaflet-zoom-hide");
    this.mesure = element("div", "esq-calque-etiquettes esq-mesure");
    pane.appendChild(this.calque);
    pane.appendChild(this.mesure);
    carte.on("moveend zoomend resize overlayadd overlayremove", this.placer, this);
    window.addEventListener("load", this.placerBientot.bind(this));
  }

  Placeur.prototype.source = function (nom, fn) {
    this.sources[nom] = fn;
    this.placerBientot();
  };
  Placeur.prototype.obstacle = function (nom, fn) {
    this.obstacles[nom] = fn;
  };
  // Appelé avant chaque placement (ex. : la légende choisit son coin, puis les étiquettes l'évitent).
  Placeur.prototype.avantPlacement = function (fn) {
    this.avant.push(fn);
  };
  Placeur.prototype.placerBientot = function () {
    var self = this;
    if (self.attente) return;
    self.attente = true;
    window.requestAnimationFrame(function () {
      self.attente = false;
      self.placer();
    });
  };

  function boiteRelative(el, origine) {
    var r = el.getBoundingClientRect();
    return { x: r.left - origine.left, y: r.top - origine.top, w: r.width, h: r.height };
  }
  Esquisse.boiteRelative = boiteRelative;

  function seCroisent(a, b, marge) {
    return a.x < b.x + b.w + marge && b.x < a.x + a.w + marge && a.y < b.y + b.h + marge && b.y < a.y + a.h + marge;
  }

  function dansPolygone(x, y, anneau) {
    var dedans = false;
    for (var i = 0, j = anneau.length - 1; i < anneau.length; j = i++) {
      var a = anneau[i];
      var b = anneau[j];
      if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) dedans = !dedans;
    }
    return dedans;
  }

  // Mesurées à chaque placement (une seule mise en page pour toutes) : les styles de la carte
  // peuvent arriver après les premières étiquettes, une taille gardée serait fausse.
  Placeur.prototype.taillesDe = function (etiquettes) {
    var spans = {};
    var self = this;
    etiquettes.forEach(function (e) {
      var cle = e.classe + "\u0000" + e.texte;
      e.cleTaille = cle;
      if (!spans[cle]) {
        spans[cle] = element("span", e.classe, e.texte);
        self.mesure.appendChild(spans[cle]);
      }
    });
    this.tailles = {};
    Object.keys(spans).forEach(function (cle) {
      self.tailles[cle] = { w: spans[cle].offsetWidth, h: spans[cle].offsetHeight };
    });
    this.mesure.textContent = "";
  };

  function surUneZone(b, anneaux) {
    var points = [
      [b.x + b.w / 2, b.y + b.h / 2],
      [b.x, b.y],
      [b.x + b.w, b.y],
      [b.x, b.y + b.h],
      [b.x + b.w, b.y + b.h],
    ];
    return anneaux.some(function (anneau) {
      return points.some(function (pt) {
        return dansPolygone(pt[0], pt[1], anneau);
      });
    });
  }

  Placeur.prototype.placer = function () {
    var carte = this.carte;
    if (!carte._loaded) return;
    var etiquettes = [];
    var quotas = {};
    var self = this;
    Object.keys(this.sources).forEach(function (nom) {
      var r = self.sources[nom]() || {};
      (r.etiquettes || []).forEach(function (e) {
        e.groupe = nom;
        etiquettes.push(e);
      });
      if (r.max) quotas[nom] = r.max;
    });
    this.taillesDe(etiquettes);
    etiquettes.sort(function (a, b) {
      return b.priorite - a.priorite;
    });
    // Un contrôle qui peut changer de coin (la légende) essaie ses coins : ``essayer`` dit combien de
    // titres d'esquisse y perdraient leur place.
    function essayer() {
      return self.calculer(etiquettes, quotas, true).filter(function (b) {
        return b.chevauche;
      }).length + etiquettes.filter(function (e) {
        return e.priorite >= PRIORITE_TITRE && !e.pose;
      }).length;
    }
    this.avant.forEach(function (fn) {
      fn(essayer);
    });
    this.dessiner(this.calculer(etiquettes, quotas));
  };

  Placeur.prototype.calculer = function (etiquettes, quotas, titresSeuls) {
    var carte = this.carte;
    var conteneur = carte.getContainer();
    var origine = conteneur.getBoundingClientRect();
    var taille = carte.getSize();
    var self = this;
    var obstacles = [];
    Object.keys(this.obstacles).forEach(function (nom) {
      Array.prototype.push.apply(obstacles, self.obstacles[nom]() || []);
    });
    conteneur.querySelectorAll(".leaflet-control, .esq-titre-carte").forEach(function (el) {
      if (el.offsetParent !== null) obstacles.push(boiteRelative(el, origine));
    });
    var posees = [];
    var parGroupe = {};
    etiquettes.forEach(function (e) {
      e.pose = false;
      if (titresSeuls && e.priorite < PRIORITE_TITRE) return;
      if (quotas[e.groupe] && (parGroupe[e.groupe] || 0) >= quotas[e.groupe]) return;
      var t = self.tailles[e.cleTaille];
      var choisie = null;
      var moindre = null;
      var seconde = null; // libre, mais sur une autre zone (le titre semblerait être le sien)
      for (var i = 0; i < e.positions.length && !choisie; i++) {
        var p = e.positions[i];
        var b = { x: p.x - p.ax * t.w, y: p.y - p.ay * t.h, w: t.w, h: t.h };
        if (b.x < 2 || b.y < 2 || b.x + b.w > taille.x - 2 || b.y + b.h > taille.y - 2) continue;
        if (p.dans && !(dansPolygone(b.x, b.y, p.dans) && dansPolygone(b.x + b.w, b.y, p.dans) && dansPolygone(b.x, b.y + b.h, p.dans) && dansPolygone(b.x + b.w, b.y + b.h, p.dans))) continue;
        // Gêne : 1 par étiquette touchée, 100 par obstacle (un contrôle cacherait l'étiquette).
        var gene = 0;
        for (var k = 0; k < posees.length; k++) if (seCroisent(b, posees[k], Math.max(e.marge || 0, posees[k].marge || 0))) gene += 1;
        for (var o = 0; o < obstacles.length; o++) if (seCroisent(b, obstacles[o], 1)) gene += 100;
        if (gene) {
          if (!moindre || gene < moindre.gene) moindre = { b: b, gene: gene };
        } else if (e.eviter && surUneZone(b, e.eviter)) {
          if (!seconde) seconde = b;
        } else choisie = b;
      }
      choisie = choisie || seconde;
      // Un titre d'esquisse n'est jamais caché : sans place libre, il prend la moins gênante.
      if (!choisie && e.toujours && moindre) {
        choisie = moindre.b;
        choisie.chevauche = true;
      }
      if (!choisie) return;
      choisie.e = e;
      choisie.marge = e.marge || 0;
      e.pose = true;
      posees.push(choisie);
      parGroupe[e.groupe] = (parGroupe[e.groupe] || 0) + 1;
    });
    return posees;
  };

  Placeur.prototype.dessiner = function (posees) {
    var carte = this.carte;
    var conteneur = carte.getContainer();
    var fragment = document.createDocumentFragment();
    posees.forEach(function (b) {
      var span = element("span", b.e.classe, b.e.texte);
      if (b.e.id) span.setAttribute("data-esq-id", b.e.id);
      if (b.chevauche) span.setAttribute("data-chevauche", "oui");
      var pos = carte.containerPointToLayerPoint([b.x, b.y]).round();
      span.style.left = pos.x + "px";
      span.style.top = pos.y + "px";
      fragment.appendChild(span);
    });
    this.calque.textContent = "";
    this.calque.appendChild(fragment);
    conteneur.setAttribute("data-esquisse-etiquettes", String(posees.length));
  };

  Esquisse.placeur = function (carte) {
    if (!carte._esqPlaceur) carte._esqPlaceur = new Placeur(carte);
    return carte._esqPlaceur;
  };

  // Les positions d'un titre autour d'une esquisse, en pixels du conteneur : à droite puis à
  // gauche d'un point ; au-dessus puis au-dessous d'une ligne, vers son milieu d'abord ; dans une
  // zone si le titre y tient, sinon au-dessus, au-dessous ou à côté.
  function pixels(carte, lls) {
    return lls.map(function (ll) {
      return carte.latLngToContainerPoint(ll);
    });
  }

  function anneauPixels(carte, couche) {
    var anneaux = couche.getLatLngs();
    while (anneaux.length && !(anneaux[0] instanceof L.LatLng)) anneaux = anneaux[0];
    return pixels(carte, anneaux);
  }

  function positionsTitre(carte, couche) {
    var positions = [];
    var ecarts = [1, 2.5, 4.5];
    if (couche instanceof L.CircleMarker) {
      var c = carte.latLngToContainerPoint(couche.getLatLng());
      ecarts.forEach(function (k) {
        var r = couche.getRadius() + 4 * k;
        positions.push(
          { x: c.x + r, y: c.y, ax: 0, ay: 0.5 },
          { x: c.x - r, y: c.y, ax: 1, ay: 0.5 },
          { x: c.x, y: c.y - r, ax: 0.5, ay: 1 },
          { x: c.x, y: c.y + r, ax: 0.5, ay: 0 },
          { x: c.x + r * 0.7, y: c.y - r * 0.7, ax: 0, ay: 1 },
          { x: c.x - r * 0.7, y: c.y + r * 0.7, ax: 1, ay: 0 }
        );
      });
      return positions;
    }
    if (couche instanceof L.Polygon) {
      var anneau = anneauPixels(carte, couche);
      if (anneau.length < 3) return positions;
      var b = L.bounds(anneau);
      var centre = carte.latLngToContainerPoint(couche.getCenter());
      // Dedans : le centre, puis les points d'une grille proches du centre.
      var interieurs = [centre];
      for (var i = 1; i < 6; i++) {
        for (var j = 1; j < 6; j++) interieurs.push(L.point(b.min.x + ((b.max.x - b.min.x) * i) / 6, b.min.y + ((b.max.y - b.min.y) * j) / 6));
      }
      interieurs
        .filter(function (p) {
          return dansPolygone(p.x, p.y, anneau);
        })
        .sort(function (p, q) {
          return p.distanceTo(centre) - q.distanceTo(centre);
        })
        .forEach(function (p) {
          positions.push({ x: p.x, y: p.y, ax: 0.5, ay: 0.5, dans: anneau });
        });
      var cx = (b.min.x + b.max.x) / 2;
      var cy = (b.min.y + b.max.y) / 2;
      ecarts.forEach(function (k) {
        positions.push(
          { x: cx, y: b.min.y - 4 * k, ax: 0.5, ay: 1 },
          { x: cx, y: b.max.y + 4 * k, ax: 0.5, ay: 0 },
          { x: b.max.x + 4 * k, y: cy, ax: 0, ay: 0.5 },
          { x: b.min.x - 4 * k, y: cy, ax: 1, ay: 0.5 }
        );
      });
      return positions;
    }
    if (couche instanceof L.Polyline) {
      var lignes = couche.getLatLngs();
      if (lignes.length && lignes[0] instanceof L.LatLng) lignes = [lignes];
      var pts = [];
      lignes.forEach(function (l) {
        if (l.length > pts.length) pts = pixels(carte, l);
      });
      if (pts.length < 2) return positions;
      var cumul = [0];
      for (var n = 1; n < pts.length; n++) cumul.push(cumul[n - 1] + pts[n].distanceTo(pts[n - 1]));
      var total = cumul[cumul.length - 1];
      ecarts.forEach(function (k) {
        [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9].forEach(function (f) {
          var d = total * f;
          var s = 1;
          while (s < pts.length - 1 && cumul[s] < d) s++;
          var a = pts[s - 1];
          var z = pts[s];
          var t = cumul[s] > cumul[s - 1] ? (d - cumul[s - 1]) / (cumul[s] - cumul[s - 1]) : 0;
          var x = a.x + (z.x - a.x) * t;
          var y = a.y + (z.y - a.y) * t;
          var e = 6 * k;
          // Le long d'un trait plutôt horizontal : dessus, dessous ; plutôt vertical : à côté.
          if (Math.abs(z.x - a.x) >= Math.abs(z.y - a.y)) {
            positions.push({ x: x, y: y - e, ax: 0.5, ay: 1 }, { x: x, y: y + e, ax: 0.5, ay: 0 });
          } else {
            positions.push({ x: x + e, y: y, ax: 0, ay: 0.5 }, { x: x - e, y: y, ax: 1, ay: 0.5 });
          }
        });
      });
    }
    return positions;
  }

  // La boîte (pixels du conteneur) d'une esquisse : contour de sa forme, cercle d'un point, texte.
  Esquisse.boiteEsquisse = function (carte, couche) {
    if (couche instanceof L.CircleMarker) {
      var c = carte.latLngToContainerPoint(couche.getLatLng());
      var r = couche.getRadius() + (couche.options.weight || 0) / 2;
      return { x: c.x - r, y: c.y - r, w: 2 * r, h: 2 * r };
    }
    if (couche.getBounds) {
      var b = couche.getBounds();
      var p = carte.latLngToContainerPoint(b.getNorthWest());
      var q = carte.latLngToContainerPoint(b.getSouthEast());
      var w = (couche.options.weight || 0) / 2;
      return { x: p.x - w, y: p.y - w, w: q.x - p.x + 2 * w, h: q.y - p.y + 2 * w };
    }
    if (couche._icon) return boiteRelative(couche._icon.firstChild || couche._icon, carte.getContainer().getBoundingClientRect());
    return null;
  };

  // Titres des esquisses (``lister`` rend des {cle, couche, titre}) : des étiquettes prioritaires,
  // et leurs points et textes, des obstacles pour les autres étiquettes.
  Esquisse.titresEsquisses = function (carte, nom, lister) {
    var placeur = Esquisse.placeur(carte);
    placeur.source(nom, function () {
      var etiquettes = [];
      var liste = lister();
      // Un titre se pose de préférence hors des autres zones : posé sur l'une, il semblerait la nommer.
      var zones = liste
        .filter(function (x) {
          return x.couche instanceof L.Polygon && carte.hasLayer(x.couche);
        })
        .map(function (x) {
          return { cle: x.cle, anneau: anneauPixels(carte, x.couche) };
        });
      liste.forEach(function (x) {
        if (!x.titre || !carte.hasLayer(x.couche)) return;
        var positions = positionsTitre(carte, x.couche);
        if (!positions.length) return;
        var eviter = zones
          .filter(function (z) {
            return z.cle !== x.cle;
          })
          .map(function (z) {
            return z.anneau;
          });
        etiquettes.push({ id: x.cle, texte: x.titre, classe: "esq-titre-esquisse", priorite: PRIORITE_TITRE, positions: positions, eviter: eviter, toujours: auMur(), marge: 4 });
      });
      return { etiquettes: etiquettes };
    });
    placeur.obstacle(nom, function () {
      var boites = [];
      lister().forEach(function (x) {
        if (!carte.hasLayer(x.couche)) return;
        if (x.couche instanceof L.CircleMarker || x.couche._icon) {
          var b = Esquisse.boiteEsquisse(carte, x.couche);
          if (b) boites.push(b);
        }
      });
      return boites;
    });
    return placeur;
  };

  // Noms des communes : par population décroissante, sans chevauchement. Sur la projection, peu de
  // noms, bien espacés, dès la vue d'ensemble ; ailleurs, à partir du zoom des étiquettes.
  var ETIQUETTES_PROJECTION = 30;
  var CANDIDATES_MAX = 1500;
  var CANDIDATES_PROJECTION = 300; // les plus peuplées : assez pour en poser 30 bien espacées

  function installerEtiquettes(carte, donnees, config, coucheSource, zoomMin) {
    var points = donnees.features
      .filter(function (f) {
        return f.properties._etiquette && f.properties[config.etiquette];
      })
      .map(function (f) {
        return {
          latlng: L.latLng(f.properties._etiquette[1], f.properties._etiquette[0]),
          texte: String(f.properties[config.etiquette]),
          population: Number(f.properties.population) || 0,
        };
      })
      .sort(function (a, b) {
        return b.population - a.population;
      });
    Esquisse.placeur(carte).source("etiquettes-" + config.id, function () {
      var projection = document.body.classList.contains("esq-mode-projection");
      if (!carte.hasLayer(coucheSource) || (!projection && carte.getZoom() < zoomMin)) return {};
      var vue = carte.getBounds();
      var etiquettes = [];
      var candidates = projection ? CANDIDATES_PROJECTION : CANDIDATES_MAX;
      for (var i = 0; i < points.length && etiquettes.length < candidates; i++) {
        if (!vue.contains(points[i].latlng)) continue;
        var p = carte.latLngToContainerPoint(points[i].latlng);
        etiquettes.push({ texte: points[i].texte, classe: "esq-etiquette", priorite: 1, positions: [{ x: p.x, y: p.y, ax: 0.5, ay: 0.5 }], marge: projection ? 28 : 6 });
      }
      return { etiquettes: etiquettes, max: projection ? ETIQUETTES_PROJECTION : ETIQUETTES_MAX };
    });
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
    // Jusqu'à ce que les couches soient dessinées, la carte dit qu'elle charge (pas une boîte vide).
    var chargement = element("div", "esq-chargement", "Chargement de la carte…");
    chargement.setAttribute("role", "status");
    carte.getContainer().appendChild(chargement);
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
      // Une palette en bas de la carte (tablette) ne doit pas cacher le territoire.
      var palette = carte.getContainer().querySelector(".esq-palette");
      var bas = palette ? palette.offsetHeight + 12 : 0;
      if (!cadrageInitial) return;
      enCadrage = true;
      carte.fitBounds(emprise, { paddingTopLeft: [12, 12], paddingBottomRight: [12, 12 + bas], animate: false });
      enCadrage = false;
    }
    // Tout déplacement qui ne vient pas d'ici (boutons de zoom, vues nommées) garde la vue choisie.
    var enCadrage = false;
    carte.on("movestart zoomstart", function () {
      if (!enCadrage) cadrageInitial = false;
    });
    Esquisse.recadrer = cadrer;
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
    Esquisse.placeur(carte); // son calque d'étiquettes passe au-dessus des esquisses
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
              return auMur() ? adoucir(c.style) : c.style;
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
      chargement.remove();
      Esquisse.pret = true;
      window.esquissePretA = Date.now();
      document.body.setAttribute("data-esquisse-pret", echecs.length ? "partiel" : "oui");
      carte.fire("esquisse:pret");
    });
  };
})();
