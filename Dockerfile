# One image for the portal: the web (gunicorn), worker and beat services of docker-compose.yml
# run it with different commands.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango and HarfBuzz; notices and certificates need a CJK font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 portal \
    && useradd --system --uid 1000 --gid portal --home-dir /app --shell /usr/sbin/nologin portal

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The code only, listed so that .env, .venv and local databases never enter the image.
COPY manage.py pyproject.toml ./
COPY carbon_portal ./carbon_portal
COPY registry ./registry
COPY reporting ./reporting
COPY verification ./verification
COPY trading ./trading
COPY inclusive ./inclusive
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# Written at run time: collected static files (web) and uploaded evidence (a private volume).
RUN mkdir -p /app/staticfiles /var/lib/portal/private \
    && chown -R portal:portal /app/staticfiles /var/lib/portal

USER portal
ENV PORTAL_PRIVATE_MEDIA_ROOT=/var/lib/portal/private
EXPOSE 8000
CMD ["gunicorn", "carbon_portal.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
