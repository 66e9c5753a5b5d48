"""Les esquisses : GeoJSON, légende, fusion à trois voies, versions, édition, brouillons."""
