"""Person resolution: records -> persons, with evidence and analyst decisions."""
