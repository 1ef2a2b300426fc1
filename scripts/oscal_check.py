"""Validates annex's OSCAL exports with real OSCAL tooling (#15), run by oscal-check.sh.

For each JSON file given: (1) compliance-trestle loads it with its OSCAL 1.1.3
ComponentDefinition model (pydantic: types, required fields, patterns); (2) it validates
against NIST's component-definition JSON schema (tests/oscal/), with `jsonschema` Draft 7
whose `pattern` keyword uses the `regex` module (NIST's patterns use \\p{L}, which Python's
`re` rejects); (3) every requirement's UUID is the RFC 9562 version 5 UUID that Python's
own `uuid.uuid5` computes from annex's documented name for it, so anyone can recompute it.
Prints one line per check and file; exits 1 if any failed.
"""

import json
import sys
import uuid

import jsonschema
import regex
from jsonschema import validators
from trestle.oscal.component import ComponentDefinition

NS = "https://annex.example/ns/oscal"
SCHEMA = "tests/oscal/oscal_component_schema.json"


def pattern(validator, patrn, instance, schema):
    if validator.is_type(instance, "string") and not regex.search(patrn, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")


Validator = validators.extend(jsonschema.Draft7Validator, {"pattern": pattern})


def main(files):
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    # The schema's own patterns are regexes of the `regex` module's dialect.
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    checker.checkers["regex"] = (regex.compile, (regex.error,))
    Validator.check_schema(schema, format_checker=checker)
    validator = Validator(schema, format_checker=checker)
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, NS)
    failed = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        try:
            cd = ComponentDefinition.parse_obj(doc["component-definition"])
            n = sum(
                len(ci.implemented_requirements)
                for c in cd.components or []
                for ci in c.control_implementations or []
            )
            print(f"ok      trestle ComponentDefinition loads {path} ({n} implemented requirements)")
        except Exception as e:  # noqa: BLE001 - any failure is reported
            failed += 1
            print(f"FAILED  trestle ComponentDefinition rejects {path}: {e}")
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            failed += 1
            for e in errors[:20]:
                where = "/".join(str(p) for p in e.absolute_path)
                print(f"FAILED  schema: {path}: {where}: {e.message[:300]}")
        else:
            print(f"ok      NIST schema (OSCAL 1.1.3 component-definition) validates {path}")
        wrong = 0
        for c in doc["component-definition"]["components"]:
            service = next(p["value"] for p in c["props"] if p["name"] == "service")
            for ci in c.get("control-implementations", []):
                for r in ci["implemented-requirements"]:
                    activity = next(p["value"] for p in r["props"] if p["name"] == "activity-id")
                    want = str(uuid.uuid5(namespace, f"activity:{service}/{activity}"))
                    wrong += r["uuid"] != want
        if wrong:
            failed += 1
            print(f"FAILED  {path}: {wrong} requirement UUID(s) are not uuid5(activity:<service>/<id>)")
        else:
            print(f"ok      {path}: every requirement UUID is uuid5(ns, 'activity:<service>/<id>')")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
