//! A CSV opened for reading (encoding and delimiter normalised) together with its object type,
//! worked out from `--type`, the file name or the header. Shared by validate, split and import.

use super::{scan::Scanner, InputOptions, Source};
use crate::error::Failure;
use crate::schema::{detect_type, Detected};
use anyhow::Context;
use std::path::Path;

/// A CSV opened and normalised, with its object type.
pub struct Opened {
    pub source: Source,
    pub detected: Detected,
}

/// Opens a CSV and works out its type (`--type`, file name, then header).
pub fn open_csv(
    path: &Path,
    given_type: Option<&str>,
    opts: &InputOptions,
) -> anyhow::Result<Opened> {
    if path.is_dir() {
        return Err(Failure::usage(format!(
            "{} is a directory; give CSV files (`bulk import DIR` imports a directory, `bulk split DIR --type audio-file` packs its WAV files)",
            path.display()
        ))
        .into());
    }
    let source = super::open(path, opts).map_err(|e| match e {
        super::InputError::Io { .. } => anyhow::Error::new(e),
        other => Failure::invalid(other.to_string()).into(),
    })?;
    let detected = match detect_type(path, given_type, None) {
        Ok(d) => d,
        Err(crate::schema::DetectError::Undetected { .. }) if given_type.is_none() => {
            let header = peek_header(&source)?;
            detect_type(path, None, header.as_deref())?
        }
        Err(e) => return Err(e.into()),
    };
    if detected.object.file == crate::schema::FileKind::Zip {
        return Err(Failure::usage(format!(
            "{}: {} files are ZIPs of WAV files, not CSV; use `bulk split --type audio-file`",
            path.display(),
            detected.object.display_name
        ))
        .into());
    }
    Ok(Opened { source, detected })
}

/// The header cells of a source, if its first record can be read.
pub fn peek_header(source: &Source) -> anyhow::Result<Option<Vec<String>>> {
    let reader = source
        .open()
        .with_context(|| format!("cannot read {}", source.display))?;
    let mut scanner = Scanner::new(reader, 64 * 1024, 1 << 20);
    let Some(block) = scanner.next_block()? else {
        return Ok(None);
    };
    let first = block.records[0];
    if first.oversized {
        return Ok(None);
    }
    Ok(Some(super::record::lenient_fields(
        &block.data[first.start..first.end],
        b',',
    )))
}
