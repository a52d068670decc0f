# PyYAML documentation, "Loading YAML" (pyyaml.org/wiki/PyYAMLDocumentation)
import yaml

document = """
  a: 1
  b:
    c: 3
    d: 4
"""
print(yaml.safe_load(document))
print(yaml.dump({"name": "Silenthand Olleander", "race": "Human", "traits": ["ONE_HAND", "ONE_EYE"]}))
