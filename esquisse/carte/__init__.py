"""La carte : carte de base folium, couches préparées, lecture seule, fonds, partage, sélection."""
