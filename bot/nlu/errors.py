"""NLU errors: they carry the file, the line and what is wrong so a user can fix their data."""

from __future__ import annotations

from pathlib import Path

from crm_core.errors import InvalidInput, ServiceUnavailable


class TrainingDataError(InvalidInput):
    """A training-data file is malformed; ``details`` holds ``file``, ``line`` and ``problem``."""

    code = "nlu_training_data"

    def __init__(self, file: str | Path, line: int | None, problem: str) -> None:
        where = f"{file}:{line}" if line is not None else str(file)
        super().__init__(
            f"{where}: {problem}", details={"file": str(file), "line": line, "problem": problem}
        )
        self.file = str(file)
        self.line = line
        self.problem = problem


class PipelineConfigError(InvalidInput):
    """The pipeline configuration names an unknown component or bad options."""

    code = "nlu_config"

    def __init__(self, problem: str, *, file: str | Path | None = None) -> None:
        prefix = f"{file}: " if file else ""
        super().__init__(prefix + problem, details={"file": str(file) if file else None,
                                                    "problem": problem})
        self.problem = problem


class ModelNotFound(ServiceUnavailable):
    """No trained NLU model at the path; train one with ``kefu nlu train``."""

    code = "nlu_model_missing"

    def __init__(self, path: str | Path, problem: str = "no trained NLU model") -> None:
        super().__init__(
            f"{problem} at {path}; run `kefu nlu train --out {path}`",
            details={"path": str(path), "problem": problem},
        )
        self.path = str(path)
