"""Reads a wangge OGC API – Features endpoint with OWSLib and prints what it saw as JSON.

Usage: owslib_read.py http://127.0.0.1:PORT/ogc
The Rust test tests/ogc_clients.rs runs this and checks the numbers against the database.
"""
import json
import sys

from owslib.ogcapi.features import Features

url = sys.argv[1]
api = Features(url, timeout=30)
out = {
    "conformance": len(api.conformance()["conformsTo"]),
    "collections": [c["id"] for c in api.collections()["collections"]],
    "grid_title": api.collection("grid")["title"],
    "queryables": sorted(api.collection_queryables("grid")["properties"].keys()),
}
items = api.collection_items("grid", limit=3)
out["page"] = {"matched": items["numberMatched"], "returned": items["numberReturned"],
               "ids": [f["id"] for f in items["features"]]}
everything = api.collection_items("grid", limit=100)
out["all"] = {f["id"]: f["properties"].get("households") for f in everything["features"]}
filtered = api.collection_items("grid", filter="households > 400", limit=100)
out["filtered"] = sorted(f["id"] for f in filtered["features"])
one = api.collection_item("grid", "440304006009001")
out["one"] = {"id": one["id"], "name": one["properties"]["name"], "type": one["geometry"]["type"]}
print(json.dumps(out, ensure_ascii=False))
