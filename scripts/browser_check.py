"""Drives the page of `annex serve` in headless Chromium (see browser-check.sh).

Starts the server with a register (a fresh SQLite file), so the Register section lists
the final annex the page makes; then checks a server without one says so.

Prints one line per step and `1 passed, 0 failed` at the end; exits non-zero on the
first failure, with a screenshot in target/browser-check.png.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

CUSTOMER = "Globex Corporation Ltd"
TOKEN = "browser-check-token"
# A bound on each wait, so the check stops by itself; the page answers in well under it.
WAIT_S = 120


def start_server(binary, *extra):
    server = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--workers", "2", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "ANNEX_TOKEN"},
    )
    line = server.stdout.readline().strip()
    prefix = "listening on "
    if not line.startswith(prefix):
        server.kill()
        sys.exit(f"annex serve did not start: {line!r}")
    return server, line[len(prefix):]


def browser(downloads, profile_dir):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile_dir}",
        "--window-size=1400,1000",
    ]:
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    # Headless Chromium downloads only where told to.
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior",
        {"behavior": "allow", "downloadPath": str(downloads)},
    )
    return driver


def step(text):
    print(f"browser-check: {text}", flush=True)


def finding_beside(driver, field, code):
    return driver.find_elements(
        By.CSS_SELECTOR, f'.findings[data-for="{field}"] .finding[data-code="{code}"]'
    )


def d_status(driver):
    return driver.find_element(By.ID, "status").text


def run(driver, url, downloads):
    wait = WebDriverWait(driver, WAIT_S)
    driver.get(url + "/")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#location\\.region option")) > 1)
    step("the page loaded the catalogue and the matrices")
    register_status = driver.find_element(By.ID, "register-status")
    wait.until(lambda d: register_status.text == "The register holds no annex yet.")
    step(f"the register section is shown, empty: {register_status.text!r}")

    # No region chosen yet: the page asks for one in its own words, with no CLI hint (#28).
    driver.find_element(By.ID, "customer.short-name").send_keys("Globex")
    wait.until(lambda d: finding_beside(d, "location.region", "profile::empty-field"))
    message = finding_beside(driver, "location.region", "profile::empty-field")[0].text
    assert message.startswith("Choose a region."), message
    assert "annex catalogue" not in message and "unknown region" not in message, message
    step(f"an empty region asks for one: {message!r}")

    # Everything but the legal name: the finding must appear beside that field.
    driver.find_element(By.ID, "contract.reference").send_keys("CTR-2026-0099")
    Select(driver.find_element(By.ID, "location.region")).select_by_value("GRA")
    services = driver.find_elements(By.CSS_SELECTOR, "#subscription\\.services input")
    for box in services:
        if box.get_attribute("value") == "data-processing" and not box.is_selected():
            box.click()
    rows = driver.find_elements(By.CSS_SELECTOR, ".signatory")
    for row, (name, title) in zip(rows, [("Hank Scorpio", "CEO"), ("Sophie Durand", "Key Account Manager")]):
        row.find_element(By.CSS_SELECTOR, ".name").send_keys(name)
        row.find_element(By.CSS_SELECTOR, ".title").send_keys(title)
    wait.until(lambda d: finding_beside(d, "customer.legal-name", "profile::empty-field"))
    message = finding_beside(driver, "customer.legal-name", "profile::empty-field")[0].text
    assert "legal-name is empty" in message, message
    assert "invalid" in driver.find_element(By.ID, "customer.legal-name").get_attribute("class")
    step(f"a finding appeared beside the legal name: {message!r}")

    driver.find_element(By.ID, "customer.legal-name").send_keys(CUSTOMER)
    link = driver.find_element(By.ID, "download")
    wait.until(lambda d: "disabled" not in link.get_attribute("class"))
    assert not finding_beside(driver, "customer.legal-name", "profile::empty-field")
    status = driver.find_element(By.ID, "status").text
    assert status.startswith("Preview of globex-annex.pdf"), status
    step(f"fixed; the preview is shown: {status!r}")

    src = driver.find_element(By.ID, "preview").get_attribute("src")
    assert src.startswith("blob:"), src
    head = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer())"
        ".then(b => done(String.fromCharCode(...new Uint8Array(b.slice(0, 5)))))"
        ".catch(e => done(String(e)));",
        src,
    )
    assert head == "%PDF-", head
    driver.save_screenshot("target/browser-check.png")

    link.click()
    pdf = downloads / "globex-annex.pdf"
    wait.until(lambda d: pdf.exists() and not list(downloads.glob("*.crdownload")))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert CUSTOMER in " ".join(text.split()), text[:500]
    assert "DRAFT" in text or "Draft" in text or "draft" in text.lower(), "a draft annex"
    step(f"downloaded {pdf.name} ({pdf.stat().st_size} bytes); its text holds {CUSTOMER!r}")

    # A final annex is recorded by the server's register when it is downloaded (a preview
    # is not), and the page lists it (#26).
    Select(driver.find_element(By.ID, "contract.status")).select_by_value("final")
    try:
        wait.until(lambda d: ", sealed," in d.find_element(By.ID, "status").text)
    except Exception:
        raise AssertionError(f"no sealed preview: {d_status(driver)!r} "
                             f"{driver.get_log('browser') if hasattr(driver, 'get_log') else ''}")
    fingerprint = link.get_attribute("data-fingerprint")
    row_css = f'#register-rows tr[data-fingerprint="{fingerprint}"]'
    assert not driver.find_elements(By.CSS_SELECTOR, row_css), "a preview was recorded"
    link.click()
    try:
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, row_css))
    except Exception:
        raise AssertionError(f"no register row after the download: {d_status(driver)!r}, "
                             f"{driver.find_element(By.ID, 'register-status').text!r}")
    step(f"the final annex, downloaded, is recorded: {d_status(driver)!r}")
    row = driver.find_element(By.CSS_SELECTOR, row_css)
    cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
    assert cells[:5] == [CUSTOMER, "CTR-2026-0099", "1", "awaiting signature", "0/2"], cells
    assert cells[7] == "globex-annex.pdf", cells
    step(f"the register lists the final annex: {cells!r}")

    row.find_element(By.CSS_SELECTOR, "button.link").click()
    detail = driver.find_element(By.ID, "register-detail")
    wait.until(lambda d: detail.is_displayed()
               and d.find_element(By.CSS_SELECTOR, "#register-facts .fingerprint").text == fingerprint)
    sha256 = driver.find_element(By.CSS_SELECTOR, "#register-facts .sha256").text
    made = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-256', b))"
        ".then(h => done(Array.from(new Uint8Array(h), x => x.toString(16).padStart(2, '0')).join('')))"
        ".catch(e => done(String(e)));",
        driver.find_element(By.ID, "preview").get_attribute("src"),
    )
    assert sha256 == made, (sha256, made)
    signatures = driver.find_element(By.CSS_SELECTOR, "#register-signatures tbody").text
    assert signatures.startswith("Not signed yet: 0 of 2"), signatures
    step(f"its details: fingerprint {fingerprint[:12]}…, SHA-256 of the preview's bytes, {signatures!r}")

    contract = driver.find_element(By.ID, "filter.contract")
    contract.send_keys("CTR-NONE")
    wait.until(lambda d: register_status.text.startswith("No annex of the register matches"))
    assert not driver.find_elements(By.CSS_SELECTOR, "#register-rows tr")
    contract.clear()
    contract.send_keys("CTR-2026-0099")
    Select(driver.find_element(By.ID, "filter.state")).select_by_value("awaiting signature")
    wait.until(lambda d: register_status.text == "1 annex matches these filters."
               and d.find_elements(By.CSS_SELECTOR, row_css))
    step(f"the filters ask the register: {register_status.text!r}")
    driver.save_screenshot("target/browser-check.png")


def run_with_token(driver, url):
    wait = WebDriverWait(driver, WAIT_S)
    driver.get(url + "/")
    status = driver.find_element(By.ID, "register-status")
    wait.until(lambda d: "once the page can reach the API" in status.text)
    token = driver.find_element(By.ID, "token")
    token.send_keys(TOKEN)
    driver.find_element(By.ID, "customer.legal-name").click()  # the token field's change
    wait.until(lambda d: status.text == "The register holds no annex yet.")
    step(f"with a token, the register is asked with the page's token: {status.text!r}")


def run_without_register(driver, url):
    wait = WebDriverWait(driver, WAIT_S)
    driver.get(url + "/")
    status = driver.find_element(By.ID, "register-status")
    wait.until(lambda d: "keeps no register" in status.text)
    assert not driver.find_element(By.ID, "register-body").is_displayed()
    step(f"without --register the section says so: {status.text!r}")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/debug/annex"
    Path("target").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="annex-browser-"))
    server, url = start_server(binary, "--register", str(work / "register.db"))
    bare = guarded = None
    downloads = work / "downloads"
    downloads.mkdir()
    driver = None
    try:
        driver = browser(downloads, work / "chromium-profile")
        run(driver, url, downloads)
        bare, bare_url = start_server(binary)
        run_without_register(driver, bare_url)
        guarded, guarded_url = start_server(
            binary, "--register", str(work / "guarded.db"), "--token", TOKEN
        )
        run_with_token(driver, guarded_url)
    except (AssertionError, TimeoutException) as e:
        if driver:
            driver.save_screenshot("target/browser-check.png")
        print(f"browser-check: FAILED: {type(e).__name__} {e}", flush=True)
        print("0 passed, 1 failed")
        sys.exit(1)
    finally:
        if driver:
            driver.quit()
        for running in (server, bare, guarded):
            if running:
                running.terminate()
                running.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
