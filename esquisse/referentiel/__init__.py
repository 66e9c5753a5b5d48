"""Le référentiel : couches de référence, territoires, COG, territoire de projet."""
