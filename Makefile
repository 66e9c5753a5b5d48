# Esquisse : deux commandes depuis une machine neuve.
#   make run   installe ce qu'il faut puis lance l'application sur les ateliers de démonstration
#   make test  installe ce qu'il faut puis lance toute la suite de tests (navigateur compris)
# L'installation est idempotente : déjà faite, elle ne prend que quelques secondes.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENDOR := static/vendor
PORT ?= 8501

.PHONY: run test setup systeme lint bench propre requirements

# En mode ESQUISSE_ACCES=oidc, `options-streamlit` écrit les secrets de connexion et en donne le chemin.
run: setup
	options=$$($(PY) -m esquisse options-streamlit) && $(PY) -m streamlit run app.py --server.port $(PORT) $$options

test: setup systeme
	$(PY) -m pytest

setup: $(VENV)/.installe $(VENDOR)/.installe

$(VENV)/.installe: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Streamlit refuse les liens symboliques : les fichiers sont copiés dans le dossier servi.
# axe-core (devDependencies) reste dans node_modules/ : les tests d'accessibilité l'y lisent, rien ne le sert.
$(VENDOR)/.installe: node_modules/.package-lock.json
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)
	cp -R node_modules/leaflet/dist $(VENDOR)/leaflet
	cp node_modules/leaflet/LICENSE $(VENDOR)/leaflet/LICENSE
	cp -R node_modules/leaflet-draw/dist $(VENDOR)/leaflet-draw
	mkdir -p $(VENDOR)/leaflet.sync
	cp node_modules/leaflet.sync/L.Map.Sync.js node_modules/leaflet.sync/LICENSE $(VENDOR)/leaflet.sync/
	@touch $@

# Paquets Debian des tests : chromium (navigateur), gdal-bin (ogrinfo), poppler-utils (pdftoppm),
# zbar-tools (zbarimg, lecteur de codes QR), postgresql-15 et postgresql-15-postgis-3 (les tests
# démarrent leur propre grappe PostgreSQL jetable, voir tests/postgres.py).
PG_BIN := /usr/lib/postgresql/15/bin
systeme:
	@scripts/paquets_systeme.sh chromium:chromium gdal-bin:ogrinfo poppler-utils:pdftoppm zbar-tools:zbarimg \
		postgresql-15:$(PG_BIN)/initdb postgresql-15-postgis-3:/usr/share/postgresql/15/extension/postgis.control

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup systeme
	$(PY) bench/carte.py
	$(PY) bench/exports.py
	$(PY) bench/versions.py
	$(PY) bench/esquisses.py
	$(PY) bench/comparaison.py
	$(PY) bench/echelle.py
	$(PY) bench/feuille_de_route.py
	$(PY) bench/publication.py
	$(PY) bench/stockage.py
	$(PY) bench/stockage_navigateur.py

propre:
	rm -rf $(VENV) node_modules $(VENDOR) static/cache .pytest_cache

# Régénère requirements.txt (toutes les versions figées) depuis requirements.in.
requirements:
	rm -rf .venv-gel && $(PYTHON) -m venv .venv-gel
	.venv-gel/bin/pip install --quiet -r requirements.in
	(echo "# Généré depuis requirements.in par \`make requirements\` : ne pas éditer à la main."; .venv-gel/bin/pip freeze) > requirements.txt
	rm -rf .venv-gel
