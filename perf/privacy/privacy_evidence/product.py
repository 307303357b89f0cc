"""Drives the real product through its public surface only: the `secagg` command-line tool and its files.

One consortium = `secagg consortium init --demo-keys` (every site's key made in one place: a harness, not a
deployment), `secagg aggregator serve` (on a free loopback port), one `secagg participant join` per hospital (the
protocol v2 key epoch: signed commit/reveal and sealed Shamir dealing), then per round one `secagg participant submit`
per hospital (concurrently: each uploads its masked update with a signed commitment, approves the round's upload list,
answers its decryption session and waits for the model) and one `secagg participant fetch` of the published model.
Every participant verb reads the hospital's own copy of the consortium file (`--consortium`; its CA is the trust
anchor).
"""
import glob
import math
import os
import re
import signal
import subprocess
import threading
import xml.etree.ElementTree as ElementTree

from . import tensors

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ProductError(RuntimeError):
    """A `secagg` call failed; the message carries its exit code and output."""


def repository_root():
    here = os.path.abspath(os.path.dirname(__file__))
    while here != "/":
        if os.path.exists(os.path.join(here, "SecAgg.sln")):
            return here
        here = os.path.dirname(here)
    raise ProductError("SecAgg.sln not found above perf/privacy")


def locate_cli(repo, build=True):
    """The one place that knows where the CLI lives: finds SecAgg.Cli.csproj anywhere under src/ (it moves),
    builds it in Release when asked (or when its output is missing) and returns ['dotnet', '<path>/<name>.dll']."""
    found = sorted(glob.glob(os.path.join(repo, "src", "**", "SecAgg.Cli.csproj"), recursive=True))
    if len(found) != 1:
        raise ProductError(f"expected exactly one SecAgg.Cli.csproj under {repo}/src, found {found}")
    project = found[0]
    names = [e.text for e in ElementTree.parse(project).getroot().iter("AssemblyName") if e.text]
    assembly = (names[-1] if names else "SecAgg.Cli") + ".dll"
    outputs = glob.glob(os.path.join(os.path.dirname(project), "bin", "Release", "*", assembly))
    if build or not outputs:
        subprocess.run(["dotnet", "build", project, "-c", "Release", "-nologo", "-clp:ErrorsOnly"], check=True,
                       stdout=subprocess.DEVNULL)
        outputs = glob.glob(os.path.join(os.path.dirname(project), "bin", "Release", "*", assembly))
    if not outputs:
        raise ProductError(f"{assembly} not found after building {project}")
    return ["dotnet", sorted(outputs)[-1]]


class Cli:
    """Runs `secagg` verbs; `command` is how to start it, e.g. ['dotnet', '.../secagg.dll']."""

    def __init__(self, command):
        self.command = list(command)
        self.env = dict(os.environ, NO_COLOR="1", TERM="dumb", DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1")

    def start(self, *args):
        return subprocess.Popen(self.command + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, env=self.env)

    def run(self, *args, timeout=600):
        return finish(self.start(*args), args, timeout)

    def privacy_plan(self, participants, dimension, rounds, clip, delta, noise_multiplier=None, target_epsilon=None):
        """`secagg privacy plan`: the product's own accountant. Returns (z, epsilon over `rounds`)."""
        args = ["privacy", "plan", "--participants", participants, "--dimension", dimension, "--rounds", rounds,
                "--clip", clip, "--delta", delta]
        args += ["--noise-multiplier", noise_multiplier] if noise_multiplier is not None else ["--target-epsilon", target_epsilon]
        out = self.run(*args)
        m = re.search(r"epsilon = ([0-9.eE+-]+|∞|Infinity) over \d+ rounds at delta = \S+, noise multiplier z = ([0-9.eE+-]+)", out)
        if not m:
            raise ProductError(f"could not read `secagg privacy plan` output:\n{out}")
        epsilon = math.inf if m.group(1) in ("∞", "Infinity") else float(m.group(1))
        return float(m.group(2)), epsilon

    def honest_epsilon(self, hospitals, colluders, dimension, rounds, clip, delta, noise_multiplier):
        """Epsilon of the released sum counting only the k - c honest summands: their noise has variance
        (k - c)/k of the total, i.e. noise multiplier z*sqrt((k - c)/k) over k - c participants (the CLI's plan
        has no colluder option; with c = 0 this is exactly its answer)."""
        honest = hospitals - colluders
        if honest < 1:
            raise ProductError(f"{hospitals} hospitals with up to {colluders} colluders leave no honest summand")
        z = noise_multiplier * math.sqrt(honest / hospitals)
        return self.privacy_plan(honest, dimension, rounds, clip, delta, noise_multiplier=z)[1]


def finish(process, args, timeout):
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
        raise ProductError(f"secagg {' '.join(map(str, args[:2]))} timed out after {timeout} s:\n{ANSI.sub('', out)}")
    out = ANSI.sub("", out)
    if process.returncode != 0:
        raise ProductError(f"secagg {' '.join(map(str, args[:2]))} exited {process.returncode}:\n{out}")
    return out


class Consortium:
    """A live consortium of `hospitals` participants on this machine, driven only through the CLI.

    `dimension`: the model's value count (the file's model-dimension; the initial model given to `serve` must hold it).
    DP: either `target_epsilon` over `planned_rounds` (the product finds z) or `noise_multiplier` z. The file's dp.rounds
    is at least `rounds` (protocol v2: each site's own ledger refuses a round beyond dp.rounds); with a given z that
    changes only the planned total, not the noise.
    `max_colluders` is read back from the consortium file the CLI wrote (0 where the file has no such key).
    """

    def __init__(self, cli, folder, hospitals, clip, dimension, bits=16, delta=1e-5, target_epsilon=None, noise_multiplier=None,
                 planned_rounds=1, rounds=1, budget_epsilon=1e9):
        self.cli, self.folder, self.hospitals = cli, folder, hospitals
        self.clip, self.bits, self.delta = clip, bits, delta
        self.target_epsilon, self.noise_multiplier = target_epsilon, noise_multiplier
        self.planned_rounds, self.rounds = planned_rounds, rounds
        self.ids = [f"hospital-{i}" for i in range(1, hospitals + 1)]
        self.config = os.path.join(folder, "consortium")
        self.aggregator = None
        self.address = None
        self.log = []
        if noise_multiplier is None and rounds > planned_rounds:
            raise ProductError(f"{rounds} rounds over a target epsilon planned for {planned_rounds}: the sites would refuse the extra rounds")
        dp = ["--noise-multiplier", noise_multiplier] if noise_multiplier is not None else ["--target-epsilon", target_epsilon]
        cli.run("consortium", "init", "--demo-keys", "--out", self.config, "--participants", hospitals,
                "--model-dimension", dimension, "--clip", clip, "--bits", bits,
                "--rounds", max(planned_rounds, rounds), "--delta", delta, "--budget-epsilon", budget_epsilon, *dp)
        self.max_colluders = read_max_colluders(os.path.join(self.config, "consortium.yaml"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def serve(self, model_path, timeout=180):
        """Starts the aggregator on a free loopback port with `model_path` (.npz) as model version 0."""
        c = self.config
        self.aggregator = self.cli.start("aggregator", "serve", "--consortium", os.path.join(c, "consortium.yaml"),
                                         "--cert", os.path.join(c, "aggregator", "aggregator.pem"),
                                         "--key", os.path.join(c, "aggregator", "aggregator.key"),
                                         "--model", model_path, "--listen", "127.0.0.1:0", "--rounds", self.rounds)
        found = threading.Event()

        def read():
            for line in self.aggregator.stdout:
                line = ANSI.sub("", line)
                self.log.append(line)
                # The first line of the main (mTLS) port; the operator port's line says "Operator port listening on".
                m = re.search(r"Aggregator listening on (https://\S+?)/?\s", line)
                if m and self.address is None:
                    self.address = m.group(1)
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(timeout) or self.address is None:
            raise ProductError("the aggregator did not start:\n" + "".join(self.log))

    def identity(self, hospital_id):
        c = self.config
        return ["--aggregator", self.address, "--id", hospital_id,
                "--cert", os.path.join(c, "participants", hospital_id, "client.pem"),
                "--key", os.path.join(c, "participants", hospital_id, "client.key"),
                "--consortium", os.path.join(c, "consortium.yaml"), "--state", self.state_dir(hospital_id)]

    def state_dir(self, hospital_id):
        return os.path.join(self.folder, "state", hospital_id)

    def join(self, timeout=600):
        """Every hospital joins the key epoch (concurrently: the epoch is ready only once all N have dealt and acknowledged)."""
        self._all([["participant", "join", *self.identity(h)] for h in self.ids], timeout)

    def round(self, number, updates, timeout=600):
        """One secure round: hospital i submits updates[i] ({tensor: array}); returns the published model
        (version `number`) as fetched by hospital-1."""
        paths = []
        for h, update in zip(self.ids, updates):
            path = os.path.join(self.folder, f"update-{h}-round-{number}.safetensors")
            tensors.write_safetensors(path, update)
            paths.append(path)
        self._all([["participant", "submit", *self.identity(h), "--update", p, "--round", number]
                   for h, p in zip(self.ids, paths)], timeout)
        return self.fetch(number)

    def fetch(self, version):
        out = os.path.join(self.folder, f"global-{version}.npz")
        self.cli.run("participant", "fetch", *self.identity(self.ids[0]), "--out", out, "--model-version", version)
        return tensors.read_npz(out)

    def upload_files(self, hospital_id):
        """What this hospital sent to the aggregator: the ciphertext chunks it stores before sending them."""
        return sorted(glob.glob(os.path.join(self.state_dir(hospital_id), "upload-round-*.chunks")))

    def aggregator_files(self):
        """Everything the aggregator keeps on disk (its database and chunk files)."""
        root = os.path.join(self.config, "aggregator")
        return [p for p in glob.glob(os.path.join(root, "**"), recursive=True)
                if os.path.isfile(p) and not p.endswith((".pem", ".key"))]

    def _all(self, argument_lists, timeout):
        processes = [(self.cli.start(*a), a) for a in argument_lists]
        errors = []
        for process, args in processes:
            try:
                finish(process, args, timeout)
            except ProductError as e:
                errors.append(str(e))
        if errors:
            raise ProductError("\n".join(errors) + "\naggregator log:\n" + "".join(self.log[-40:]))

    def close(self):
        """Stops the aggregator as Ctrl+C would (SIGINT to the process this object started)."""
        if self.aggregator is not None and self.aggregator.poll() is None:
            self.aggregator.send_signal(signal.SIGINT)
            try:
                self.aggregator.wait(30)
            except subprocess.TimeoutExpired:
                self.aggregator.kill()
                self.aggregator.wait()
        self.aggregator = None


def read_max_colluders(consortium_file):
    """max-colluders c from the consortium file (the accountant counts k - c honest summands); 0 when absent."""
    with open(consortium_file) as f:
        for line in f:
            m = re.match(r"\s*max-colluders:\s*(\d+)", line)
            if m:
                return int(m.group(1))
    return 0

