"""Drives the page of `annex serve` in headless Chromium (see browser-check.sh).

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
# A bound on each wait, so the check stops by itself; the page answers in well under it.
WAIT_S = 120


def start_server(binary):
    server = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--workers", "2"],
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


def run(driver, url, downloads):
    wait = WebDriverWait(driver, WAIT_S)
    driver.get(url + "/")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#location\\.region option")) > 1)
    step("the page loaded the catalogue and the matrices")

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


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/debug/annex"
    Path("target").mkdir(exist_ok=True)
    server, url = start_server(binary)
    work = Path(tempfile.mkdtemp(prefix="annex-browser-"))
    downloads = work / "downloads"
    downloads.mkdir()
    driver = None
    try:
        driver = browser(downloads, work / "chromium-profile")
        run(driver, url, downloads)
    except (AssertionError, TimeoutException) as e:
        if driver:
            driver.save_screenshot("target/browser-check.png")
        print(f"browser-check: FAILED: {type(e).__name__} {e}", flush=True)
        print("0 passed, 1 failed")
        sys.exit(1)
    finally:
        if driver:
            driver.quit()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
