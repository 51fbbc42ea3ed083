"""A fictitious patient's films, named and filed after her: the privacy tests' data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

NAME_PARTS = ("DOE", "JANE", "2018-02-18", "2025-04-30", "20180218", "ID-98765")


def patient_dicom(path: Path, study_date: str, *, shift: int = 0) -> Path:
    """A small CR film of a fictitious patient, named and filed after her."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    from tests.qt.conftest import synthetic_hand

    meta = FileMetaDataset()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "DOE^JANE", "ID-98765", "19600101"
    ds.StudyDate, ds.Modality = study_date, "CR"
    pixels = np.roll(synthetic_hand(), shift, axis=1)
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def patient_films(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "DOE_JANE"
    folder.mkdir()
    before = patient_dicom(folder / "DOE_JANE_2018-02-18.dcm", "20180218")
    after = patient_dicom(folder / "DOE_JANE_2025-04-30.dcm", "20250430", shift=5)
    return before, after
