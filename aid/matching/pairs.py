"""Every (volunteer, need) pair within the volunteer's reach, found with KD-trees on the unit sphere."""
import numpy as np
from scipy.spatial import cKDTree

from aid.matching.geo import EARTH_KM

# Volunteers are searched in bands of reach, so a 3 km walker is not paired with everything
# within 100 km and then thrown away: each band's search radius is its largest reach.
REACH_BANDS_KM = (2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0)


def unit_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, (n, 3)."""
    p, l = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(p) * np.cos(l), np.cos(p) * np.sin(l), np.sin(p)))


def haversine_np(lat1, lon1, lat2, lon2) -> np.ndarray:
    """The same formula as geo.haversine_km, over arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def near_pairs(vlat, vlon, reach, nlat, nlon):
    """(volunteer index, need index, km) for every pair with km <= reach[volunteer].

    Candidates come from a chord-distance KD-tree search per reach band (radius widened by
    1e-9 relative), then the exact haversine distance decides. Bands are searched in order;
    within a band the order is scipy's.
    """
    needs = cKDTree(unit_xyz(nlat, nlon))
    band = np.searchsorted(np.asarray(REACH_BANDS_KM), reach)
    out_v, out_n, out_km = [], [], []
    for b in np.unique(band):
        members = np.flatnonzero(band == b)
        top = REACH_BANDS_KM[b] if b < len(REACH_BANDS_KM) else float(reach[members].max())
        chord = 2 * np.sin(min(top / EARTH_KM, np.pi) / 2) * (1 + 1e-9) + 1e-12
        found = cKDTree(unit_xyz(vlat[members], vlon[members])).sparse_distance_matrix(
            needs, chord, output_type="ndarray")
        vi, ni = members[found["i"]], found["j"]
        km = haversine_np(vlat[vi], vlon[vi], nlat[ni], nlon[ni])
        keep = km <= reach[vi]
        out_v.append(vi[keep].astype(np.int32))
        out_n.append(ni[keep].astype(np.int32))
        out_km.append(km[keep])
    if not out_v:
        return np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0)
    return np.concatenate(out_v), np.concatenate(out_n), np.concatenate(out_km)
