# The jukinet-ops image for the api and worker services of docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
# Workflows bundled ahead of time: a production worker does not run webpack at start.
RUN node bin/jukinet-ops.js build-workflows
USER node
EXPOSE 3000
CMD ["node", "bin/jukinet-ops.js", "api"]
