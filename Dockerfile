# The LRS on the embedded store; mount a volume at /data to keep it.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 lrs && mkdir /data && chown lrs /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY lrs ./lrs
RUN pip install --no-cache-dir .
USER lrs
ENV LRS_HOST=0.0.0.0 LRS_PORT=8080 LRS_STORE=sqlite:////data/lrs.db
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/xapi/about')"
CMD ["lrs", "serve"]
