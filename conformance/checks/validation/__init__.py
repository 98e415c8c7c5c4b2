"""Part Two (Data): the Statement data model, as valid and invalid examples per section."""
