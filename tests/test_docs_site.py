"""The documentation site builds, and its pages work in a real browser.

The site (Sphinx, the API reference, the sphinx-gallery tutorials run for
real) is built from a copy of docs/ and examples/ with warnings as errors,
served over HTTP on localhost and opened page by page in headless Chromium.
Every page reachable from the start page must load without browser console
errors, every image on it must load (``naturalWidth > 0``), and every link
inside the site must point to an existing file and, for ``#anchors``, to an
element with that id.

Chromium, chromedriver and selenium are required (CI installs them): the test
fails, rather than skips, without them. Set ``GANSAMPLER_DOCS_HTML`` to an
already built site (the ``html`` folder) to check it without rebuilding.
"""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Building runs every tutorial: about 2-3 minutes on two CPU cores.
BUILD_TIMEOUT = 1200
# Seconds a page may take to load all of its images.
IMAGE_TIMEOUT = 20

CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = ("/usr/bin/chromedriver", "chromedriver")

# Folders and files that a build writes into the documentation sources.
GENERATED = ("_build", "generated", "auto_examples", "sg_execution_times.rst")


def _find(candidates):
    for name in candidates:
        path = shutil.which(name) if not os.path.isabs(name) else name
        if path and os.path.exists(path):
            return path
    return None


def _build_site(workdir):
    """Build the site from copies of docs/ and examples/; return the html folder."""
    shutil.copytree(
        ROOT / "docs", workdir / "docs", ignore=shutil.ignore_patterns(*GENERATED)
    )
    shutil.copytree(
        ROOT / "examples",
        workdir / "examples",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    html = workdir / "html"
    env = {
        **os.environ,
        "KERAS_BACKEND": "tensorflow",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-b",
        "html",
        str(workdir / "docs"),
        str(html),
    ]
    start = time.perf_counter()
    run = subprocess.run(
        command,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    seconds = time.perf_counter() - start
    output = run.stdout + run.stderr
    assert run.returncode == 0, (
        f"the documentation build failed (exit {run.returncode}):\n" + output[-8000:]
    )
    print(f"documentation built in {seconds:.0f} s")
    return html


@pytest.fixture(scope="module")
def site():
    """The built site's html folder."""
    prebuilt = os.environ.get("GANSAMPLER_DOCS_HTML")
    if prebuilt:
        yield Path(prebuilt).resolve()
        return
    # Not pytest's tmp_path: other pytest runs on the machine prune its folders.
    with tempfile.TemporaryDirectory(prefix="gansampler-docs-") as workdir:
        yield _build_site(Path(workdir))


@pytest.fixture(scope="module")
def server(site):
    """Serve the site over HTTP on localhost; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through selenium; fails (not skips) when missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail(
            "selenium is not installed: pip install -e '.[docs]' (the browser "
            "check of the documentation needs it)"
        )
    chromium, chromedriver = _find(CHROMIUM), _find(CHROMEDRIVER)
    if chromium is None or chromedriver is None:
        pytest.fail(
            "Chromium and chromedriver are needed for the browser check of the "
            "documentation: apt-get install -y chromium chromium-driver "
            f"(found chromium={chromium}, chromedriver={chromedriver})"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


# Runs in the page: load lazy images now, and report those that failed.
WAIT_FOR_IMAGES = """
const done = arguments[arguments.length - 1];
const images = Array.from(document.images);
images.forEach(img => { img.loading = "eager"; });
const deadline = Date.now() + arguments[0] * 1000;
(function check() {
  const pending = images.filter(img => !img.complete);
  if (pending.length && Date.now() < deadline) { setTimeout(check, 50); return; }
  done(images.filter(img => !img.complete || img.naturalWidth === 0)
             .map(img => img.currentSrc || img.src || img.outerHTML));
})();
"""

# Runs in the page: its links, ids and a few facts about it.
PAGE_FACTS = """
return {
  title: document.title,
  links: Array.from(document.querySelectorAll("a[href]"), a => a.href),
  ids: Array.from(document.querySelectorAll("[id]"), e => e.id).concat(
       Array.from(document.querySelectorAll("a[name]"), a => a.name)),
  images: document.images.length,
  figures: document.querySelectorAll(
    "img.sphx-glr-single-img, img.sphx-glr-multi-img").length,
  thumbnails: document.querySelectorAll(".sphx-glr-thumbcontainer img").length,
  text: document.body ? document.body.innerText.length : 0,
  cut_titles: Array.from(document.querySelectorAll("h1"))
    .filter(h => h.scrollWidth > h.clientWidth + 1).map(h => h.innerText),
  ready: document.readyState === "complete",
};
"""


def _open(browser, url, attempts=3):
    """Load a page and return its PAGE_FACTS once its body has been parsed.

    On a busy machine the browser has (rarely) been seen to report a page
    before its body was there; such a page is given time, then reloaded.
    """
    for _ in range(attempts):
        browser.get(url)
        deadline = time.monotonic() + 10
        while True:
            facts = browser.execute_script(PAGE_FACTS)
            if facts["ready"] and facts["text"] >= 50:
                return facts
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    return facts


def _local_file(site, base, url):
    """The file under ``site`` that a same-site URL points to, else None."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != base:
        return None
    path = site / unquote(parts.path).lstrip("/")
    if path.is_dir():
        path = path / "index.html"
    return path


@pytest.fixture(scope="module")
def crawl(site, server, browser):
    """Open every page reachable from the start page; collect what was found."""
    pages, problems = {}, []
    queue, seen = [server + "index.html"], {site / "index.html"}
    while queue:
        url = queue.pop(0)
        name = urlsplit(url).path.lstrip("/")
        facts = _open(browser, url)
        browser.set_script_timeout(IMAGE_TIMEOUT + 10)
        broken = browser.execute_async_script(WAIT_FOR_IMAGES, IMAGE_TIMEOUT)
        problems += [f"{name}: image does not load: {src}" for src in broken]
        for entry in browser.get_log("browser"):
            if entry["level"] == "SEVERE":
                problems.append(f"{name}: console error: {entry['message']}")
        problems += [f"{name}: title cut off: {t!r}" for t in facts["cut_titles"]]
        if not facts["title"] or facts["text"] < 50:
            problems.append(f"{name}: empty page (title {facts['title']!r})")
        if "404" in facts["title"] or "not found" in facts["title"].lower():
            problems.append(f"{name}: error page (title {facts['title']!r})")
        pages[name] = {**facts, "ids": set(facts["ids"])}
        for link in facts["links"]:
            target, _ = urldefrag(link)
            path = _local_file(site, server, target)
            if path is None or path.suffix != ".html" or path in seen:
                continue
            if path.is_file():
                seen.add(path)
                queue.append(server + path.relative_to(site).as_posix())
    return pages, problems


def test_site_pages_load_with_their_images(crawl):
    pages, problems = crawl
    assert not problems, "\n".join(problems)
    expected = [
        "index.html",
        "api.html",
        "user_guide/index.html",
        "auto_examples/index.html",
        "results.html",
        "benchmarks.html",
        "quality.html",
        "generated/gansampler.DCGANOverSampler.html",
    ]
    expected += [
        f"auto_examples/{path.stem}.html"
        for path in sorted((ROOT / "examples").glob("plot_*.py"))
    ]
    expected += [
        f"user_guide/{path.stem}.html"
        for path in sorted((ROOT / "docs" / "user_guide").glob("*.rst"))
    ]
    missing = [name for name in expected if name not in pages]
    assert not missing, f"pages not reachable from index.html: {missing}"


def test_tutorials_show_their_figures(crawl):
    pages, _ = crawl
    tutorials = sorted((ROOT / "examples").glob("plot_*.py"))
    assert len(tutorials) >= 6
    for path in tutorials:
        page = pages[f"auto_examples/{path.stem}.html"]
        assert page["figures"] >= 1, f"{path.name} shows no figure"
    gallery = pages["auto_examples/index.html"]
    assert gallery["thumbnails"] >= len(tutorials), "gallery thumbnails are missing"


def test_internal_links_resolve(site, server, crawl):
    pages, _ = crawl
    broken = []
    for name, page in pages.items():
        for link in page["links"]:
            target, fragment = urldefrag(link)
            path = _local_file(site, server, target)
            if path is None:  # another site, not checked (no network in CI)
                continue
            if not path.is_file():
                broken.append(f"{name}: {link} (no such file)")
                continue
            if not fragment or path.suffix != ".html":
                continue
            target_name = path.relative_to(site).as_posix()
            ids = pages[target_name]["ids"] if target_name in pages else None
            if ids is None:
                continue  # a page the crawl did not open has been reported above
            if unquote(fragment) not in ids:
                broken.append(f"{name}: {link} (no element with id {fragment!r})")
    assert not broken, f"{len(broken)} broken link(s):\n" + "\n".join(broken[:50])
