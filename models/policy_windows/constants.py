"""Controlled vocabularies shared by validation, the model and the figures."""

PHASES: tuple[str, ...] = ("agenda", "institutionalisation")
STREAMS: tuple[str, ...] = ("problem", "policy", "politics")
ORIGINS: tuple[str, ...] = ("theory", "empirical")
CODES: tuple[int, ...] = (-1, 0, 1)
APPROACH_LEVELS: tuple[str, ...] = ("beginnend", "gemiddeld", "gevorderd", "ver")
POPULATION_BANDS: tuple[str, ...] = (
    "50000-100000",
    "100000-150000",
    "150000-200000",
    "200000+",
)

# The three factors the thesis singles out as new and decisive (ch. 5.3, 6.1.1).
HIGHLIGHTED_FACTORS: tuple[str, ...] = (
    "insight_nature_scale",
    "structural_integrated_cooperation",
    "regional_orientation",
)

# Raw data files and their exact column sets (the public data format, data/raw/README.md).
RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "municipalities.csv": (
        "municipality",
        "population_band",
        "approach_level",
        "n_respondents",
        "respondent_ids",
        "source",
    ),
    "codebook.csv": (
        "factor",
        "phase",
        "stream",
        "name_en",
        "name_nl",
        "origin",
        "description",
        "coding_rule",
    ),
    "factor_codes.csv": ("municipality", "phase", "stream", "factor", "code", "evidence"),
    "stream_movement.csv": ("municipality", "phase", "stream", "movement", "evidence"),
    "policy_windows.csv": ("municipality", "phase", "window", "evidence"),
}
