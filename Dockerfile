# The jukinet-ops image for the api and worker services of docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
# A Japanese font for the generated reports and letters (PDF_FONT_PATH may name another).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
# Workflows bundled ahead of time: a production worker does not run webpack at start.
RUN node bin/jukinet-ops.js build-workflows
USER node
EXPOSE 3000
CMD ["node", "bin/jukinet-ops.js", "api"]
