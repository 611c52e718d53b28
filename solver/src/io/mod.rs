//! Input and output: the Abaqus/CalculiX deck reader, VTK and CSV writers.

pub mod csv;
pub mod deck;
pub mod deck_writer;
pub mod staging;
pub mod vtk;

use std::io::Write;
use std::path::Path;

/// Writes a file atomically: to a temporary name beside it, then renamed,
/// so an interrupted run never leaves a truncated file.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let result = (|| {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut w)?;
        w.flush()?;
        w.get_ref().sync_all()?;
        Ok(())
    })();
    match result {
        Ok(()) => std::fs::rename(&tmp, path),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
