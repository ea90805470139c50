"""Time series: Jena climate 2009-2016 (Max Planck Institute for Biogeochemistry) when cached or downloadable;
offline and real, Mauna Loa CO2 (shipped by statsmodels; public domain, NOAA/Scripps) and S&P 500 daily prices
1999-2018 (shipped by arch; from Yahoo! Finance)."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from course_utils.datasets import cache, extract
from course_utils.datasets.sources import announce, check_source, register_remote, try_canonical

register_remote(cache.Remote(
    "jena", "jena_climate_2009_2016.csv.zip",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip",
    description="Jena climate 2009-2016, 14 variables every 10 minutes; no published checksum: first download recorded",
))


@dataclass
class SeriesData:
    """A time series: ``frame`` has a DatetimeIndex; ``units`` maps each column to its unit; ``notes`` lists
    what was done to the raw data (gaps filled, duplicates dropped), so nothing happens silently."""

    frame: object
    units: dict
    source: str
    notes: list = field(default_factory=list)


SERIES = ("jena", "co2", "sp500")


def load_series(name: str, source: str = "auto") -> SeriesData:
    """Load a real time series by name: ``"jena"`` (Jena climate; falls back to ``"co2"`` offline),
    ``"co2"`` (weekly Mauna Loa CO2, 1958-2001, ppm) or ``"sp500"`` (S&P 500 daily prices, 1999-2018, USD)."""
    if name not in SERIES:
        raise ValueError(f"unknown series {name!r}; expected one of {SERIES}")
    if name == "jena":
        check_source(source, "jena")
        archive, reason = try_canonical("jena", source)
        if archive is not None:
            try:  # under the extraction cap; a too large member or a broken zip falls back (auto) or raises (jena)
                _, member = extract.read_zip_member(archive, lambda n: n.endswith(".csv") and "MACOSX" not in n)
            except extract.UnsafeArchiveError as error:
                if source != "auto":
                    raise
                reason = str(error)
            else:
                return _jena(member)
        data = _co2()
        announce(f"Mauna Loa CO2 instead of Jena climate ({reason}): {len(data.frame)} weekly values")
        return data
    data = _co2() if name == "co2" else _sp500()
    announce(f"{data.source}: {len(data.frame)} rows, {data.frame.index[0].date()} to {data.frame.index[-1].date()}")
    return data


def _co2() -> SeriesData:
    import statsmodels.api as sm

    frame = sm.datasets.co2.load_pandas().data.copy()
    missing = frame["co2"].isna()
    frame["co2"] = frame["co2"].interpolate(method="time")
    frame["filled"] = missing
    notes = [f"{int(missing.sum())} missing weekly values filled by time interpolation (column 'filled')"]
    print(f"note: {notes[0]}")
    return SeriesData(frame, {"co2": "ppm (mole fraction in dry air)", "filled": "bool"}, "Mauna Loa CO2 (statsmodels)", notes)


def _sp500() -> SeriesData:
    from arch.data import sp500

    frame = sp500.load().astype(float)
    notes = ["trading days only: weekends and market holidays have no row (not filled)"]
    if frame.isna().any().any():  # pragma: no cover - the shipped file has none
        notes.append(f"{int(frame.isna().any(axis=1).sum())} rows with missing values dropped")
        frame = frame.dropna()
    units = {c: "USD (index points)" for c in ("Open", "High", "Low", "Close", "Adj Close")}
    units["Volume"] = "shares traded"
    return SeriesData(frame, units, "S&P 500 daily (arch)", notes)


def _jena(csv: bytes) -> SeriesData:
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(csv))
    frame.index = pd.to_datetime(frame.pop("Date Time"), format="%d.%m.%Y %H:%M:%S")
    notes = []
    duplicates = frame.index.duplicated()
    if duplicates.any():
        notes.append(f"{int(duplicates.sum())} duplicated timestamps dropped")
        frame = frame[~duplicates]
    frame = frame.sort_index()
    full = pd.date_range(frame.index[0], frame.index[-1], freq="10min")
    gaps = len(full) - len(frame)
    if gaps:
        notes.append(f"{gaps} missing 10-minute timestamps (not filled)")
    units = {c: (re.search(r"\((.*)\)", c).group(1) if "(" in c else "") for c in frame.columns}
    for note in notes:
        print(f"note: {note}")
    announce(f"Jena climate (cached): {len(frame)} rows, {frame.index[0].date()} to {frame.index[-1].date()}")
    return SeriesData(frame, units, "Jena climate", notes)
