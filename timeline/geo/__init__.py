"""Places on the earth: the gazetteer shipped with the app (`gazetteer`) and the map's country
outlines (`outlines`, built once by `build_outlines.py` from Natural Earth)."""
