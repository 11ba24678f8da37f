"""B (groups). Hierarchies and attributes in both directions.

The C API builds group trees with attributes and zarr-python must see them;
zarr-python builds trees and zarr_list / zarr_attrs_get must report them.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr

import libzarr
from helpers import assert_same, make_data

ROOT_ATTRS = {"title": "root", "n": 1, "ok": True, "nothing": None}
G1_ATTRS = {"a": 1, "nested": {"x": [1, 2, 3], "y": {"z": "deep"}}, "pi": 3.141592653589793}
ARR_ATTRS = {"units": "metre", "scale": 0.5, "unicode": "\u00e9\u00e8 \u03bb \u2603", "big": 2**53}


def listing(group: libzarr.Group) -> dict:
    """zarr_list as {name: kind}; names must be unique."""
    items = group.list()
    assert isinstance(items, list)
    out = {}
    for item in items:
        assert set(item) >= {"name", "kind"}, item
        assert item["name"] not in out, f"duplicate entry {item['name']}"
        out[item["name"]] = item["kind"]
    return out


def zp_listing(group: zarr.Group) -> dict:
    """The same, as zarr-python sees the group's direct members."""
    return {
        name: ("array" if isinstance(node, zarr.Array) else "group")
        for name, node in group.members()
    }


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_c_tree_seen_by_zarr_python(tmp_path, handles, zarr_format):
    store = tmp_path / "tree.zarr"
    data_top = make_data("float32", (6, 5), seed=1)
    data_deep = make_data("int16", (4, 4, 3), seed=2)
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        root.set_attrs(json.dumps(ROOT_ATTRS))
        with root.create_group("g1", json.dumps(G1_ATTRS)) as g1:
            with g1.create_group("g2") as g2:
                with g2.create_array("deep", "int16", (4, 4, 3), (2, 3, 2)) as a:
                    a.write(data_deep)
                    a.set_attrs(json.dumps(ARR_ATTRS))
                with g2.create_group("g3", "{}"):
                    pass
        with root.create_array("top", "float32", (6, 5), (4, 4)) as t:
            t.write(data_top)
        with root.create_group("empty"):
            pass

    g = zarr.open_group(str(store), mode="r")
    assert g.metadata.zarr_format == zarr_format
    assert dict(g.attrs) == ROOT_ATTRS
    assert zp_listing(g) == {"g1": "group", "top": "array", "empty": "group"}
    assert dict(g["g1"].attrs) == G1_ATTRS
    assert zp_listing(g["g1"]) == {"g2": "group"}
    assert zp_listing(g["g1/g2"]) == {"deep": "array", "g3": "group"}
    assert dict(g["g1/g2"].attrs) == {}
    assert zp_listing(g["empty"]) == {}
    deep = g["g1/g2/deep"]
    assert isinstance(deep, zarr.Array)
    assert dict(deep.attrs) == ARR_ATTRS
    assert_same(np.asarray(deep[...]), data_deep)
    assert_same(np.asarray(g["top"][...]), data_top)
    # zarr-python's own tree walk agrees
    walked = {path for path, _ in g.members(max_depth=None)}
    assert walked == {"g1", "g1/g2", "g1/g2/deep", "g1/g2/g3", "top", "empty"}


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_attrs_set_replaces_and_both_agree(tmp_path, handles, zarr_format):
    """zarr.h: zarr_attrs_set replaces the attributes. zarr-python and
    zarr_attrs_get must both report exactly the replacement."""
    store = tmp_path / "a.zarr"
    new_g = {"new": [1, 2], "s": "x"}
    new_a = {"second": {"k": None}}
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_group("g", json.dumps({"old": 1})) as grp:
            assert grp.attrs == {"old": 1}
            grp.set_attrs(json.dumps(new_g))
            assert grp.attrs == new_g
        with root.create_array("arr", "uint8", (3,), (2,)) as a:
            a.set_attrs(json.dumps(ARR_ATTRS))
            a.set_attrs(json.dumps(new_a))
            assert a.attrs == new_a
    g = zarr.open_group(str(store), mode="r")
    assert dict(g["g"].attrs) == new_g
    assert dict(g["arr"].attrs) == new_a


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_attrs_roundtrip_values(tmp_path, handles, zarr_format):
    """Attribute values survive both directions unchanged (floats exact)."""
    attrs = {
        "float": 0.1,
        "tiny": 5e-324,
        "neg": -1.7976931348623157e308,
        "int": -(2**63),
        "uint": 2**64 - 1,
        "list": [1, "two", 3.0, None, False, {"k": []}],
        "empty": {},
        "quote": 'a "quoted" \\ back\nslash',
    }
    store = tmp_path / "v.zarr"
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        root.set_attrs(json.dumps(attrs))
    assert dict(zarr.open_group(str(store), mode="r").attrs) == attrs
    # zarr-python writes them back, the C API reads them
    store2 = tmp_path / "w.zarr"
    zg = zarr.open_group(str(store2), mode="w", zarr_format=zarr_format)
    zg.attrs.update(attrs)
    with handles.open(store2, libzarr.READ) as root:
        assert root.attrs == attrs


def build_zp_tree(store, zarr_format):
    root = zarr.open_group(str(store), mode="w", zarr_format=zarr_format)
    root.attrs.update(ROOT_ATTRS)
    root.create_array("a", shape=(5, 4), chunks=(2, 2), dtype="int32")[...] = np.arange(20).reshape(5, 4)
    g1 = root.create_group("g1", attributes=G1_ATTRS)
    b = g1.create_array("b", shape=(7,), chunks=(3,), dtype="float64", attributes=ARR_ATTRS)
    b[...] = np.linspace(0, 1, 7)
    g2 = g1.create_group("g2")
    g2.create_array("c", shape=(), dtype="uint8", fill_value=9)
    g2.create_group("g3")
    root.create_group("z_empty")
    return root


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_python_tree_listed_by_c(tmp_path, handles, zarr_format):
    store = tmp_path / "zp.zarr"
    zroot = build_zp_tree(store, zarr_format)
    with handles.open(store, libzarr.READ) as root:
        assert listing(root) == zp_listing(zroot)
        assert root.attrs == dict(zroot.attrs)
        with root.open_group("g1") as g1:
            assert listing(g1) == zp_listing(zroot["g1"])
            assert g1.attrs == G1_ATTRS
            with g1.open_group("g2") as g2:
                assert listing(g2) == zp_listing(zroot["g1/g2"])
                assert g2.attrs == {}
                with g2.open_group("g3") as g3:
                    assert listing(g3) == {}
                with g2.open_array("c") as c:
                    assert c.ndim == 0
                    assert_same(c.read(), np.asarray(zroot["g1/g2/c"][...]))
            with g1.open_array("b") as b:
                assert b.attrs == ARR_ATTRS
                assert_same(b.read(), np.asarray(zroot["g1/b"][...]))
        with root.open_array("a") as a:
            assert a.attrs == {}
            assert_same(a.read(), np.asarray(zroot["a"][...]))
        with root.open_group("z_empty") as e:
            assert listing(e) == {}


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_open_nested_paths(tmp_path, handles, zarr_format):
    """Paths with several components from the root."""
    store = tmp_path / "zp.zarr"
    zroot = build_zp_tree(store, zarr_format)
    with handles.open(store, libzarr.READ) as root:
        with root.open_group("g1/g2") as g2:
            assert listing(g2) == zp_listing(zroot["g1/g2"])
        with root.open_array("g1/b") as b:
            assert_same(b.read(), np.asarray(zroot["g1/b"][...]))


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_wrong_kind_and_missing(tmp_path, handles, zarr_format):
    store = tmp_path / "zp.zarr"
    build_zp_tree(store, zarr_format)
    with handles.open(store, libzarr.READ) as root:
        with pytest.raises(libzarr.ZarrError):
            root.open_array("g1")  # a group
        with pytest.raises(libzarr.ZarrError):
            root.open_group("a")  # an array
        with pytest.raises(libzarr.ZarrError) as ei:
            root.open_array("nope")
        assert ei.value.status == libzarr.ENOTFOUND


@pytest.mark.filterwarnings("ignore:Consolidated metadata")
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_consolidated_metadata_is_ignored(tmp_path, handles, zarr_format):
    """zarr-python's consolidated metadata (.zmetadata / the root's
    consolidated_metadata) neither shows up as a node nor breaks reading."""
    store = tmp_path / "zp.zarr"
    zroot = build_zp_tree(store, zarr_format)
    expected_list = zp_listing(zroot)
    zarr.consolidate_metadata(str(store))
    with handles.open(store, libzarr.READ) as root:
        assert listing(root) == expected_list
        with root.open_array("g1/b") as b:
            assert_same(b.read(), np.asarray(zroot["g1/b"][...]))


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_c_adds_to_zarr_python_tree(tmp_path, handles, zarr_format):
    """Open a zarr-python hierarchy with WRITE, add nodes, zarr-python sees them."""
    store = tmp_path / "zp.zarr"
    build_zp_tree(store, zarr_format)
    with handles.open(store, libzarr.WRITE) as root:
        with root.open_group("g1") as g1:
            with g1.create_group("added", json.dumps({"by": "c"})) as added:
                with added.create_array("x", "uint16", (3, 3), (2, 2)) as x:
                    x.write(np.arange(9, dtype="uint16").reshape(3, 3))
    z = zarr.open_group(str(store), mode="r")
    assert z.metadata.zarr_format == zarr_format
    assert dict(z["g1/added"].attrs) == {"by": "c"}
    assert_same(np.asarray(z["g1/added/x"][...]), np.arange(9, dtype="uint16").reshape(3, 3))
    assert zp_listing(z["g1"]) == {"b": "array", "g2": "group", "added": "group"}


def test_new_hierarchy_is_v3_by_default(tmp_path, handles):
    store = tmp_path / "d.zarr"
    with handles.open(store, libzarr.CREATE) as root:
        root.create_group("g").close()
    g = zarr.open_group(str(store), mode="r")
    assert g.metadata.zarr_format == 3
    assert g["g"].metadata.zarr_format == 3


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_group_create_makes_intermediate_groups(tmp_path, handles, zarr_format):
    """zarr.h: zarr_group_create creates intermediate groups."""
    store = tmp_path / "i.zarr"
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_group("x/y/z", json.dumps({"leaf": True})):
            pass
        assert listing(root) == {"x": "group"}
    g = zarr.open_group(str(store), mode="r")
    assert zp_listing(g) == {"x": "group"}
    assert zp_listing(g["x"]) == {"y": "group"}
    assert zp_listing(g["x/y"]) == {"z": "group"}
    assert dict(g["x/y/z"].attrs) == {"leaf": True}


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_array_at_store_root(tmp_path, handles, zarr_format):
    """zarr-python writes an array at the store root; zarr.h: "" opens it."""
    store = tmp_path / "r.zarr"
    z = zarr.create_array(str(store), shape=(5, 3), chunks=(2, 2), dtype="int64", zarr_format=zarr_format)
    z[...] = np.arange(15).reshape(5, 3) - 7
    with handles.open(store, libzarr.READ) as root:
        with root.open_array("") as a:
            assert a.shape == (5, 3)
            assert_same(a.read(), np.asarray(z[...]))


def test_duplicate_create_is_eexists(tmp_path, handles):
    store = tmp_path / "d.zarr"
    g = zarr.open_group(str(store), mode="w")
    g.create_group("g")
    g.create_array("a", shape=(2,), dtype="int8")
    with handles.open(store, libzarr.WRITE) as root:
        for make in (lambda: root.create_group("g"), lambda: root.create_array("a", "int8", (2,), (2,))):
            with pytest.raises(libzarr.ZarrError) as ei:
                make()
            assert ei.value.status == libzarr.EEXISTS
    assert zp_listing(zarr.open_group(str(store), mode="r")) == {"g": "group", "a": "array"}


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_unicode_names_both_ways(tmp_path, handles, zarr_format):
    store = tmp_path / "u.zarr"
    zroot = zarr.open_group(str(store), mode="w", zarr_format=zarr_format)
    zroot.create_group("gr\u00fc\u00dfe").create_array("donn\u00e9es", shape=(3,), dtype="int8")[...] = [1, 2, 3]
    with handles.open(store, libzarr.WRITE) as root:
        assert listing(root) == {"gr\u00fc\u00dfe": "group"}
        with root.open_array("gr\u00fc\u00dfe/donn\u00e9es") as a:
            assert_same(a.read(), np.array([1, 2, 3], dtype="int8"))
        with root.create_group("\u03b1\u03b2\u03b3", json.dumps({"\u00e9": "\u2603"})):
            pass
    z = zarr.open_group(str(store), mode="r")
    assert zp_listing(z) == {"gr\u00fc\u00dfe": "group", "\u03b1\u03b2\u03b3": "group"}
    assert dict(z["\u03b1\u03b2\u03b3"].attrs) == {"\u00e9": "\u2603"}


@pytest.mark.filterwarnings("ignore:Object at .* is not recognized")
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_stray_entries_not_listed(tmp_path, handles, zarr_format):
    """Directories and files that are not Zarr nodes: zarr-python does not
    list them as members, nor should zarr_list."""
    store = tmp_path / "s.zarr"
    zroot = build_zp_tree(store, zarr_format)
    (store / "not_a_node").mkdir()
    (store / "not_a_node" / "readme.txt").write_text("hello")
    (store / "notes.txt").write_text("x")
    expected = zp_listing(zarr.open_group(str(store), mode="r"))
    assert expected == zp_listing(zroot)
    with handles.open(store, libzarr.READ) as root:
        assert listing(root) == expected
