# The LRS, one process per container, as a non-root user. Embedded store by default (mount
# a volume at /data to keep it); set LRS_STORE=mongodb://... for MongoDB (docker-compose.yml).
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 lrs && mkdir /data && chown lrs /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY lrs ./lrs
COPY analytics ./analytics
RUN pip install --no-cache-dir . && rm -rf /root/.cache
USER lrs
ENV LRS_HOST=0.0.0.0 LRS_PORT=8080 LRS_STORE=sqlite:////data/lrs.db
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/xapi/about', timeout=2)"
CMD ["lrs", "serve"]
