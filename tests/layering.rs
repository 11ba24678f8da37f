//! The core's layering (README, Layout): each layer imports only the layers
//! below it, so the import graph has no cycle (other than a sharding codec
//! holding an inner codec chain, inside `codec`). Checked on the sources:
//! every `crate::<module>` a file names must be its own layer or below.

use std::collections::BTreeSet;
use std::path::Path;

/// Layers from the bottom up, and the paths (under src/) each holds.
const LAYERS: &[(&str, &[&str])] = &[
    ("error", &["error.rs"]),
    ("store", &["store"]),
    ("metadata", &["metadata"]),
    ("update", &["update.rs"]),
    ("codec", &["codec"]),
    ("array", &["array"]),
    ("group", &["group.rs"]),
    ("attrs", &["attrs.rs"]),
];

/// Names at the crate root that re-export a layer's items.
fn layer_of(name: &str) -> Option<&'static str> {
    match name {
        "Error" | "Result" => Some("error"),
        "DataType" | "ZarrFormat" | "consolidated" => Some("metadata"),
        "Array" | "Selection" => Some("array"),
        "Group" | "Mode" | "NodeKind" => Some("group"),
        _ => LAYERS.iter().map(|l| l.0).find(|l| *l == name),
    }
}

fn files(p: &Path, out: &mut Vec<std::path::PathBuf>) {
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap() {
            files(&e.unwrap().path(), out);
        }
    } else if p.extension().is_some_and(|e| e == "rs") {
        out.push(p.to_owned());
    }
}

#[test]
fn each_layer_imports_only_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = vec![];
    for (i, (layer, paths)) in LAYERS.iter().enumerate() {
        let allowed: BTreeSet<&str> = LAYERS[..=i].iter().map(|l| l.0).collect();
        let mut fs = vec![];
        for p in *paths {
            files(&src.join(p), &mut fs);
        }
        assert!(!fs.is_empty(), "layer {layer} has no files");
        for f in fs {
            let text = std::fs::read_to_string(&f).unwrap();
            for (at, _) in text.match_indices("crate::") {
                let name: String = text[at + 7..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let Some(to) = layer_of(&name) else {
                    bad.push(format!("{}: crate::{name} is no known layer", f.display()));
                    continue;
                };
                if !allowed.contains(to) {
                    bad.push(format!("{} ({layer}) imports crate::{name} ({to})", f.display()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "imports against the layering:\n{}", bad.join("\n"));
}
