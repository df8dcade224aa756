"""The users of the load benchmark (bench/load.py starts the server and runs this).

Each class is one role logged in as one of the demo accounts, doing what that
role does all day, with 1–3 s of think time between requests. The ids of the
records they open are sampled from the database by bench/load.py and passed in
the JSON file named by ``YOROZU_LOAD_SAMPLES``. Every request carries the
headers the reverse proxy of the README's production set-up adds
(``X-Forwarded-Proto: https``) and its endpoint name (``X-Load-Name``), which
gunicorn's access log records with the server time.
"""

import datetime
import json
import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("YOROZU_LOAD_PASSWORD", "yorozu-demo-2026")
SAMPLES = json.loads(open(os.environ["YOROZU_LOAD_SAMPLES"]).read())  # noqa: SIM115
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Staff(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self):
        https = self.host.replace("http://", "https://")
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": https})
        # The app marks its cookies Secure (it believes it is behind TLS) and requests
        # would not send them over plain HTTP: they are kept here and sent by hand.
        self.jar = {}
        self.samples = SAMPLES.get(self.username, {})
        page = self.get("/accounts/login/", "login")
        self.post(
            "/accounts/login/",
            "login",
            {"username": self.username, "password": PASSWORD},
            page,
        )

    def headers(self, name, **more):
        cookie = "; ".join(f"{key}={value}" for key, value in self.jar.items())
        return {"X-Load-Name": name, "Cookie": cookie, **more}

    def get(self, path, name):
        with self.client.get(
            path, name=name, headers=self.headers(name), allow_redirects=False, catch_response=True
        ) as response:
            self.jar.update(response.cookies.get_dict())
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response

    def post(self, path, name, data, form_page):
        token = CSRF.search(form_page.text or "")
        data = {**data, "csrfmiddlewaretoken": token.group(1) if token else ""}
        headers = self.headers(name, Referer=self.host.replace("http://", "https://") + path)
        with self.client.post(
            path, data=data, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            self.jar.update(response.cookies.get_dict())
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code} (not a redirect)")
            return response

    def pick(self, kind):
        ids = self.samples.get(kind) or [0]
        return random.choice(ids)

    def month_filter(self):
        month = random.choice(self.samples.get("months") or ["2025-10"])
        year, number = map(int, month.split("-"))
        end = (datetime.date(year, number, 28) + datetime.timedelta(days=4)).replace(day=1)
        return f"date_from={month}-01&date_to={end - datetime.timedelta(days=1)}"


class Coordinator(Staff):
    """Records sessions all day (quick entry), looks clients and cases up."""

    weight = 30
    usernames = ["tokyo-co", "osaka-co"]

    def on_start(self):
        self.username = random.choice(self.usernames)
        super().on_start()

    @task(2)
    def home(self):
        self.get("/", "home")

    @task(6)
    def quick_entry(self):
        page = self.get("/records/sessions/quick/", "quick entry GET")
        if page.status_code != 200 or not random.random() < 0.5:
            return
        client = random.choice(self.samples["clients"])
        self.post(
            "/records/sessions/quick/",
            "quick entry POST",
            {
                "client_ref": f"{client[1]} [#{client[0]}]",
                "date": datetime.date.today().isoformat(),
                "minutes": "60",
                "mode": random.choice(["visit", "phone", "online"]),
                "summary": "負荷試験の相談記録",
                "center": self.samples["center"],
            },
            page,
        )

    @task(2)
    def client_search(self):
        self.get(
            "/records/sessions/quick/clients/?client_ref=株式会社", "quick entry client search"
        )

    @task(4)
    def sessions(self):
        self.get(f"/records/sessions/?{self.month_filter()}", "sessions list (month)")

    @task(1)
    def sessions_search(self):
        word = random.choice(["販路", "販路開拓", "資金繰り", "事業承継"])
        self.get(f"/records/sessions/?q={word}&fy=2025", "sessions list (text)")

    @task(2)
    def clients(self):
        self.get("/records/clients/", "clients list")

    @task(3)
    def client_detail(self):
        self.get(f"/records/clients/{self.pick('client_ids')}/", "client detail")

    @task(1)
    def cases(self):
        self.get("/records/cases/?status=open", "cases list")

    @task(2)
    def case_detail(self):
        self.get(f"/records/cases/{self.pick('cases')}/", "case detail")

    @task(1)
    def session_detail(self):
        self.get(f"/records/sessions/{self.pick('sessions')}/", "session detail")


class CenterManager(Coordinator):
    """Also watches the center's progress and plan."""

    weight = 5
    usernames = ["tokyo-cc", "osaka-cc"]

    @task(3)
    def dashboard(self):
        self.get(self.samples["dashboard"], "center dashboard")

    @task(1)
    def indicators(self):
        self.get("/records/indicators/?fy=2025", "indicators")

    @task(1)
    def plans(self):
        self.get("/plans/", "plans list")


class BureauOfficer(Staff):
    """The bureau's centers: dashboard, indicators, sessions, plans."""

    weight = 12
    usernames = ["kanto", "kinki"]

    def on_start(self):
        self.username = random.choice(self.usernames)
        super().on_start()

    @task(2)
    def home(self):
        self.get("/", "home")

    @task(3)
    def dashboard(self):
        self.get(self.samples["dashboard"], "bureau dashboard")

    @task(3)
    def indicators(self):
        self.get("/records/indicators/?fy=2025", "indicators")

    @task(3)
    def sessions(self):
        self.get(f"/records/sessions/?{self.month_filter()}", "sessions list (month)")

    @task(1)
    def sessions_search(self):
        word = random.choice(["販路", "販路開拓", "資金繰り"])
        self.get(f"/records/sessions/?q={word}&fy=2025", "sessions list (text)")

    @task(1)
    def clients(self):
        self.get("/records/clients/?visited_fy=2025", "clients list")

    @task(2)
    def session_detail(self):
        self.get(f"/records/sessions/{self.pick('sessions')}/", "session detail")

    @task(1)
    def plans(self):
        self.get("/plans/", "plans list")

    @task(1)
    def visits(self):
        self.get("/support/visits/", "visits list")


class Expert(Staff):
    """An HQ expert: visits and the centers' dashboards."""

    weight = 3
    username = "expert"

    @task(2)
    def home(self):
        self.get("/", "home")

    @task(3)
    def visits(self):
        self.get("/support/visits/", "visits list")

    @task(2)
    def dashboard(self):
        self.get(self.samples["dashboard"], "center dashboard")

    @task(2)
    def sessions(self):
        self.get(f"/records/sessions/?{self.month_filter()}", "sessions list (month)")

    @task(1)
    def follow_ups(self):
        self.get("/support/follow-ups/", "follow-ups list")


class Agency(Staff):
    """The Agency: the national dashboard, its trend, indicators, evaluation."""

    weight = 8
    username = "admin"

    @task(2)
    def home(self):
        self.get("/", "home")

    @task(3)
    def national(self):
        self.get("/plans/dashboard/national/?fy=2025", "national dashboard")

    @task(1)
    def trend(self):
        self.get("/plans/dashboard/national/trend/", "national trend")

    @task(3)
    def indicators(self):
        self.get("/records/indicators/?fy=2025", "indicators")

    @task(1)
    def plans(self):
        self.get("/plans/", "plans list")

    @task(1)
    def evaluation(self):
        self.get("/evaluation/", "evaluation runs")

    @task(1)
    def sessions(self):
        self.get(
            f"/records/sessions/?{self.month_filter()}&center={self.pick('centers')}",
            "sessions list (month)",
        )
