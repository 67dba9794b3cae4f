"""Labels for the registry's codes."""

from services.common.labels import LabelTable

LABELS: LabelTable = {
    "island_group": {"sumatera": ("Sumatera", "Sumatra"), "jawa": ("Jawa", "Java"),
                     "bali_nusa_tenggara": ("Bali dan Nusa Tenggara", "Bali and Nusa Tenggara"),
                     "kalimantan": ("Kalimantan", "Kalimantan"), "sulawesi": ("Sulawesi", "Sulawesi"),
                     "maluku": ("Maluku", "Maluku"), "papua": ("Papua", "Papua")},
    "region_level": {"province": ("Provinsi", "Province"), "regency": ("Kabupaten/kota", "Regency/city"),
                     "district": ("Kecamatan", "District"), "village": ("Desa/kelurahan", "Village")},
}
