#!/usr/bin/env python3
"""An independent check of xship's provenance.intoto.json (used by the integration tests):
the DSSE signature with Python's cryptography and the minisign public key, the statement
against the in-toto Statement v1 schema, its predicate against the SLSA Provenance v1
schema, and its subjects against SHA256SUMS.

usage: check_provenance.py ENVELOPE KEY.pub SHA256SUMS   (exit 0: valid; 1 and a reason)
"""
import base64, json, os, sys

import jsonschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HERE = os.path.dirname(os.path.abspath(__file__))


def pae(payload_type: bytes, payload: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload)


def main(envelope_path, pub_path, sums_path):
    env = json.load(open(envelope_path))
    key_line = [l for l in open(pub_path).read().splitlines() if l and not l.startswith("untrusted comment:")][0]
    raw = base64.b64decode(key_line)
    assert raw[:2] == b"Ed" and len(raw) == 42, "not a minisign Ed25519 public key"
    key_id = raw[2:10][::-1].hex().upper()
    assert env["payloadType"] == "application/vnd.in-toto+json", env["payloadType"]
    payload = base64.b64decode(env["payload"], validate=True)
    sigs = [s for s in env["signatures"] if s.get("keyid") == key_id]
    assert sigs, f"no signature by key {key_id}"
    Ed25519PublicKey.from_public_bytes(raw[10:]).verify(base64.b64decode(sigs[0]["sig"]),
                                                       pae(env["payloadType"].encode(), payload))
    statement = json.loads(payload)
    schema = lambda n: json.load(open(os.path.join(HERE, n)))
    jsonschema.validate(statement, schema("in-toto-statement-v1.schema.json"))
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1", statement["predicateType"]
    jsonschema.validate(statement["predicate"], schema("slsa-provenance-v1.schema.json"))
    sums = {}
    for line in open(sums_path):
        digest, name = line.rstrip("\n").split("  ", 1)
        sums[name] = digest
    subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    assert subjects == sums, f"subjects {subjects} != SHA256SUMS {sums}"
    print(json.dumps(statement["predicate"]["buildDefinition"]["internalParameters"]))


if __name__ == "__main__":
    try:
        main(*sys.argv[1:4])
    except Exception as e:  # one line, whatever failed
        print(f"provenance check failed: {type(e).__name__}: {e}".splitlines()[0], file=sys.stderr)
        sys.exit(1)
