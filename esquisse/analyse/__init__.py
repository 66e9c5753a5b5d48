"""L'analyse : attribution, différences, états, comparaisons, sites, annotations."""
