"""The Snakemake report as a reviewer sees it: built from a full run and opened in a headless
Chromium, every entry must show content, the walkthrough notebook included.

Chromium is driven over its DevTools protocol through a pipe (``--remote-debugging-pipe``), so
no driver package is needed. ``bash scripts/test.sh`` installs Debian's ``chromium`` when it is
missing; the tests skip only where it cannot be installed (not root, or no apt-get).
"""

import base64
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from workflow_helpers import copy_repo

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--workflow-profile", "none"]
STYLESHEET = "workflow/report/report.css"
# Chromium does not show a frame whose data: URL is longer than this (url/url_constants.h).
MAX_URL_CHARS = 2 * 1024 * 1024
# The notebook's section titles (notebooks/walkthrough.py).
NOTEBOOK_SECTIONS = [
    '1. The question and the data',
    '2. Which factors can the coded cases identify?',
    '3. What the model says: stream level versus factor level',
    '4. The three factors the thesis singles out',
    '5. Windows per municipality, and does the model reproduce them?',
    '6. What if one factor changed?',
    '7. Model comparison with baselines',
    '8. Sensitivity: priors, prior family and coding',
    '9. Calibration checks: is the computation right?',
    '10. Cross-check: crisp-set QCA',
    '11. What these cases cannot tell',
]



# --- Chromium -------------------------------------------------------------------------------

def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@pytest.fixture(scope="module")
def chromium_binary() -> str:
    binary = find_chromium()
    if binary:
        return binary
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        pytest.fail("chromium is missing but installable: `bash scripts/test.sh` installs it "
                    "(apt-get update && apt-get install -y chromium)")
    pytest.skip("chromium is not installed and cannot be installed here (needs root and apt-get); "
                "install Chromium or set CHROMIUM=/path/to/chromium to run the report tests")


class Browser:
    """A headless Chromium controlled over the DevTools protocol on file descriptors 3 and 4."""

    def __init__(self, binary: str, profile: Path):
        to_browser_read, self._write = os.pipe()
        self._read, from_browser_write = os.pipe()

        def wire_pipes():  # runs in the child: the protocol pipe must be fds 3 (in) and 4 (out)
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             # one renderer for the report and its frames (so a frame's document can be read),
             # and no network: the report must work offline
             "--disable-features=IsolateOrigins,site-per-process", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "--window-size=1600,1000", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes, pass_fds=(3, 4),
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _receive(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise ConnectionError("chromium closed the protocol pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive(timeout)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (OSError, RuntimeError, TimeoutError, ConnectionError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._read)
        os.close(self._write)


class Page:
    """One tab: navigate, run JavaScript in the page or in one of its frames, screenshot."""

    def __init__(self, browser: Browser, url: str):
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime"):
            self.call(f"{domain}.enable")
        self.call("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete' && typeof app !== 'undefined'", timeout=120)

    def call(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def js(self, expression: str, context: int | None = None):
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        if context is not None:
            params["contextId"] = context
        result = self.call("Runtime.evaluate", params)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30, context: int | None = None):
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(expression, context)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout} s for: {expression}")
            time.sleep(0.2)

    def frames(self) -> list[dict]:
        tree = self.call("Page.getFrameTree")["frameTree"]
        return [child["frame"] for child in tree.get("childFrames", [])]

    def frame_context(self, frame_id: str) -> int:
        """A JavaScript context inside a frame (the report's frames are data: URLs of an opaque
        origin, which the report page itself cannot read)."""
        world = self.call("Page.createIsolatedWorld", {"frameId": frame_id, "worldName": "report-test"})
        return world["executionContextId"]


# --- the report -----------------------------------------------------------------------------

_copy_repo = copy_repo  # a fresh copy of the project files (tests/workflow_helpers.py)


@pytest.fixture(scope="module")
def report(request, tmp_path_factory) -> Path:
    """The report of a full run: of the shared run if a conftest provides ``pipeline_run``,
    otherwise of a new run in a fresh copy of the project. POLICY_WINDOWS_REPORT=path/to/report.html
    checks a report built before instead."""
    if os.environ.get("POLICY_WINDOWS_REPORT"):
        return Path(os.environ["POLICY_WINDOWS_REPORT"]).resolve()
    try:
        work = request.getfixturevalue("pipeline_run")
    except pytest.FixtureLookupError:
        work = _copy_repo(tmp_path_factory.mktemp("report_run"))
        run = subprocess.run([*SNAKEMAKE, "--cores", "2"], cwd=work, capture_output=True, text=True, timeout=3600)
        assert run.returncode == 0, run.stderr[-5000:]
    path = work / "results" / "report_test.html"
    build = subprocess.run([*SNAKEMAKE, "--cores", "1", "--report", str(path), "--report-stylesheet", STYLESHEET],
                           cwd=work, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stderr[-5000:]
    return path


@pytest.fixture(scope="module")
def page(report, chromium_binary, tmp_path_factory):
    browser = Browser(chromium_binary, tmp_path_factory.mktemp("chromium_profile"))
    try:
        yield Page(browser, report.as_uri())
    finally:
        browser.close()


# --- reading the report in the browser ------------------------------------------------------

HELPERS = r"""
window.__reportTest = {
  clickMenu(label) {
    for (const a of document.querySelectorAll('nav li > a')) {
      if (a.innerText.trim() === label) { a.click(); return true; }
    }
    return false;
  },
  rows() { return Array.from(document.querySelectorAll('nav table tbody tr')); },
  pathOfUri(uri) { return Object.keys(results).find(p => results[p].data_uri === uri) || null; },
  content() { return document.querySelector('#app > div > nav + div'); },
  text(element) { return element ? element.innerText : ''; },
};
true
"""


def walk_report(page: Page) -> dict:
    """Open every entry the way a reader does (menu, category, subcategory, the eye button of
    each row) and record what the report shows for it.

    Returns path -> {"kind": "img" | "html" | "download", ...}: for images whether the picture
    decoded and fits the window, for pages the frame's URL and what is inside the frame.
    """
    page.js(HELPERS)
    seen = {}
    for category, subcategories in page.js("Object.fromEntries(Object.entries(categories)"
                                           ".map(([c, s]) => [c, Object.keys(s)]))").items():
        for subcategory in subcategories:
            page.js("app.setView({navbarMode: 'menu'})")
            assert page.js(f"__reportTest.clickMenu({json.dumps(category)})"), category
            if len(subcategories) > 1:
                page.wait_for(f"__reportTest.clickMenu({json.dumps(subcategory)})")
            page.wait_for("__reportTest.rows().length > 0")
            for index in range(page.js("__reportTest.rows().length")):
                page.js("app.setState({resultPath: null, contentPath: null, content: 'rulegraph'})")
                eye = f"__reportTest.rows()[{index}].querySelector('td:last-child a')"
                if page.js(f"{eye}.hasAttribute('download')"):
                    path = page.js(f"__reportTest.pathOfUri({eye}.getAttribute('href'))")
                    seen[path] = {"kind": "download", "category": category}
                    continue
                page.js(f"{eye}.click()")
                path = page.wait_for("app.state.resultPath")
                seen[path] = {"category": category, **show(page, path)}
    return seen


def show(page: Page, path: str) -> dict:
    mime = page.js(f"results[{json.dumps(path)}].mime_type")
    if mime.startswith("image/"):
        image = "__reportTest.content().querySelector('img')"
        page.wait_for(f"{image} && {image}.complete", timeout=30)
        return {"kind": "img", **page.js(f"""(() => {{
            const img = {image}, box = img.getBoundingClientRect();
            return {{decoded: img.naturalWidth > 0, same: img.src === results[{json.dumps(path)}].data_uri,
                     fits: box.left >= 0 && box.top >= 0 && box.right <= innerWidth + 1 && box.bottom <= innerHeight + 1}};
        }})()""")}
    page.wait_for("__reportTest.content().querySelector('iframe') !== null", timeout=30)
    frame = None
    deadline = time.monotonic() + 30
    while frame is None or (frame["url"] == "about:blank" and not frame.get("urlFragment") and time.monotonic() < deadline):
        frames = page.frames()
        frame = frames[0] if frames else None
        time.sleep(0.2)
    observed = {"kind": "html", "blocked": frame["url"].startswith("about:blank"),
                "frame_url": frame["url"][:40] + (frame.get("urlFragment") or "")}
    if observed["blocked"]:
        return {**observed, "text": "", "tables": 0, "rows": 0, "downloads": 0, "embedded_images": 0, "scripts": 0}
    context = page.frame_context(frame["id"])
    page.wait_for("document.readyState === 'complete'", context=context)
    return {**observed, **page.js("""({
        text: document.body.innerText,
        tables: document.querySelectorAll('table').length,
        rows: document.querySelectorAll('table tbody tr').length,
        downloads: document.querySelectorAll('a[download]').length,
        embedded_images: document.querySelectorAll('img[src^="data:"]').length,
        scripts: document.querySelectorAll('script[src]').length,
    })""", context)}


def caption_beside_figure(page: Page, path: str) -> dict:
    """Open a figure's description, then the figure from there: are both on screen, side by side?"""
    page.js("app.setState({content: 'rulegraph', contentPath: null})")
    page.js(f"app.showResultInfo({json.dumps(path)})")
    page.wait_for("document.querySelector('nav table a') !== null")
    page.js("document.querySelector('nav table a').click()")  # the eye button beside the labels
    image = "document.querySelector('#app > div > nav + div img')"
    page.wait_for(f"{image} && {image}.complete && {image}.naturalWidth > 0")
    return page.js(f"""(() => {{
        const caption = Array.from(document.querySelectorAll('nav li'))
            .find(li => li.innerText.length > 100 && !li.querySelector('table'));
        const c = caption.getBoundingClientRect(), i = {image}.getBoundingClientRect();
        const onScreen = b => b.top < innerHeight && b.bottom > 0 && b.left < innerWidth && b.right > 0;
        return {{caption: caption.innerText.slice(0, 80), caption_on_screen: onScreen(c),
                 figure_on_screen: onScreen(i), side_by_side: c.right <= i.left + 1,
                 figure_fits: i.right <= innerWidth + 1 && i.bottom <= innerHeight + 1}};
    }})()""")


@pytest.fixture(scope="module")
def shown(page) -> dict:
    return walk_report(page)


@pytest.fixture(scope="module")
def entries(page) -> dict:
    return page.js("Object.fromEntries(Object.entries(results).map(([p, r]) => "
                   "[p, {name: r.name, mime: r.mime_type, uri: r.data_uri.length, caption: r.caption}]))")


# --- tests ----------------------------------------------------------------------------------

def _page_of(csv_path: str, shown: dict) -> dict | None:
    """The page that shows a CSV table (same file name, .html), if the walk reached one."""
    return next((seen for path, seen in shown.items()
                 if seen["kind"] == "html" and Path(path).name == Path(csv_path).stem + ".html"), None)


@pytest.mark.pipeline
def test_every_entry_opens_from_its_listing_and_shows_content(shown, entries):
    # A CSV entry whose labels equal those of its page is listed once, as the page (which has
    # the CSV's download link); every other entry must be reachable from its listing.
    problems = [f"{path}: not reachable from any category listing" for path, entry in entries.items()
                if path not in shown and not (entry["mime"] == "text/csv" and _page_of(path, shown))]
    for path, seen in shown.items():
        if seen["kind"] == "img":
            if not (seen["decoded"] and seen["same"]):
                problems.append(f"{path}: the figure does not show")
            elif not seen["fits"]:
                problems.append(f"{path}: the figure does not fit the window")
        elif seen["kind"] == "html":
            if seen["blocked"]:
                problems.append(f"{path}: the browser shows a blank frame ({seen['frame_url']})")
            elif len(seen["text"].strip()) < 200:
                problems.append(f"{path}: the page shows almost nothing ({len(seen['text'])} characters)")
    assert not problems, "\n".join(problems)


@pytest.mark.pipeline
def test_walkthrough_notebook_shows_every_section_without_plumbing(shown):
    notebook = next(seen for path, seen in shown.items() if path.endswith("notebook.html"))
    assert not notebook["blocked"], f"blank frame: {notebook['frame_url']}"
    text = notebook["text"]
    missing = [section for section in NOTEBOOK_SECTIONS if section not in text]
    assert not missing, f"sections not shown: {missing}"
    assert "Insight into nature and scale" in text  # factor names, not ids, in its tables
    assert notebook["tables"] >= 8
    for plumbing in ("import base64", "sys.path", "b64encode", "from IPython"):
        assert plumbing not in text, plumbing
    assert notebook["embedded_images"] == 0, "the notebook repeats figures the report already holds"
    assert notebook["scripts"] == 0, "the notebook loads scripts"
    assert text.count("Figure:") >= 10  # every figure is named where the story needs it


@pytest.mark.pipeline
def test_every_csv_table_has_a_readable_page(shown, entries):
    problems = []
    for path, entry in entries.items():
        if entry["mime"] != "text/csv":
            continue
        page_seen = _page_of(path, shown)
        if page_seen is None:
            problems.append(f"{path}: download only, no page shows it")
        elif page_seen["blocked"] or page_seen["rows"] < 1 or page_seen["downloads"] != 1:
            problems.append(f"{path}: its page shows {page_seen['rows']} rows, {page_seen['downloads']} download links")
    assert not problems, "\n".join(problems)
    factor_effects = _page_of("results/tables/factor_effects.csv", shown)["text"]
    assert "Insight into nature and scale" in factor_effects and "Download factor_effects.csv" in factor_effects


@pytest.mark.pipeline
def test_model_card_and_provenance_are_readable_pages(shown):
    by_name = {Path(path).name: seen for path, seen in shown.items()}
    card, provenance = by_name["model_card.html"], by_name["provenance.html"]
    assert "Model card" in card["text"] and "commit" in card["text"]
    assert "Posterior draws" in provenance["text"] and "Package versions" in provenance["text"]
    assert re.search(r"\b[0-9a-f]{64}\b", provenance["text"]), "no posterior checksum shown"
    assert "pymc" in provenance["text"] and "nutpie" in provenance["text"]


@pytest.mark.pipeline
def test_each_figure_is_read_beside_its_caption(page, entries):
    problems = []
    for path, entry in entries.items():
        if not entry["mime"].startswith("image/"):
            continue
        seen = caption_beside_figure(page, path)
        if not (seen["caption_on_screen"] and seen["figure_on_screen"] and seen["side_by_side"] and seen["figure_fits"]):
            problems.append(f"{path}: {seen}")
    assert not problems, "\n".join(problems)


@pytest.mark.pipeline
def test_front_page_explains_and_links_every_entry(page, entries):
    page.js("app.setView({navbarMode: 'menu', content: 'rulegraph'})")
    text = page.wait_for("document.body.innerText.includes('How to read this report') && document.body.innerText")
    assert "Contents" in text
    links = page.js("Array.from(document.querySelectorAll('a[href^=\"javascript:app.showResultInfo\"]'))"
                    ".map(a => decodeURIComponent(a.getAttribute('href')))")
    unlinked = [path for path in entries if not any(f"'{path}'" in link for link in links)]
    assert not unlinked, f"not in the front page's contents: {unlinked}"


@pytest.mark.pipeline
def test_report_is_offline_and_stores_each_figure_once(report, entries):
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*['\"](?:https?:)?//", html, re.I)
    for path, entry in entries.items():
        if entry["mime"] != "text/html":
            continue
        assert entry["uri"] < MAX_URL_CHARS, f"{path}: {entry['uri']:,} characters, too long for a frame"
    embedded = re.findall(r"data:text/html;charset=utf8;filename=([^;]+);base64,([A-Za-z0-9+/=]+)", html)
    assert embedded
    for name, data in embedded:
        page_html = base64.b64decode(data).decode("utf-8")
        assert not re.search(r"<img\b[^>]*\bsrc\s*=\s*['\"]?data:image", page_html, re.I), \
            f"{name} embeds an image the report already holds"
        assert not re.search(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*['\"](?:https?:)?//",
                             page_html, re.I), f"{name} loads something from the internet"


def _workflow_script(name: str):
    """A rule script as a module (its Snakemake part runs only under Snakemake)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "workflow" / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_posterior_checksum_follows_the_draws_not_the_file(tmp_path):
    provenance = _workflow_script("provenance")
    rng = np.random.default_rng(1)
    posterior = xr.Dataset({"beta": (("chain", "draw", "factor"), rng.normal(size=(2, 5, 3))),
                            "tau": (("chain", "draw"), rng.gamma(1.0, size=(2, 5)))})

    def save(name: str, created_at: str, draws: xr.Dataset = posterior) -> Path:
        path = tmp_path / name
        xr.DataTree.from_dict({"posterior": draws.assign_attrs(created_at=created_at)}).to_netcdf(
            path, engine="h5netcdf")
        return path

    first, second = save("first.nc", "2026-01-01T10:00:00"), save("second.nc", "2026-06-30T18:30:00")
    assert provenance.file_sha256(first) != provenance.file_sha256(second)
    assert provenance.posterior_sha256(first) == provenance.posterior_sha256(second)
    assert provenance.posterior_sha256(first)["chain_draw"] == {"chain": 2, "draw": 5}

    nudged = posterior.copy(deep=True)
    nudged["tau"][0, 0] = np.nextafter(nudged["tau"].values[0, 0], np.inf)
    changed = provenance.posterior_sha256(save("changed.nc", "2026-01-01T10:00:00", nudged))
    original = provenance.posterior_sha256(first)
    assert changed["posterior_sha256"] != original["posterior_sha256"]
    assert changed["variables_sha256"]["beta"] == original["variables_sha256"]["beta"]
    assert changed["variables_sha256"]["tau"] != original["variables_sha256"]["tau"]


def test_captions_use_only_the_wildcards_of_their_outputs():
    """A caption that names ``{{ snakemake.wildcards.X }}`` is attached only to outputs that have
    the wildcard X; another name renders as empty text in the report (no error)."""
    rules = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "workflow" / "rules").glob("*.smk"))
    checked = 0
    for caption in sorted((ROOT / "workflow" / "report").glob("*.rst")):
        names = set(re.findall(r"snakemake\.wildcards\.(\w+)", caption.read_text(encoding="utf-8")))
        if not names:
            continue
        outputs = re.findall(r'report\(\s*"([^"]+)",\s*caption="\.\./report/' + re.escape(caption.name) + '"', rules)
        assert outputs, f"{caption.name} names wildcards but no report() output uses it"
        for output in outputs:
            missing = names - set(re.findall(r"\{(\w+)", output))
            assert not missing, f"{caption.name} names {sorted(missing)}, which {output} does not have"
            checked += 1
    assert checked >= 3
