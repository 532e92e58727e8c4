# The worker image: polls both task queues (main and KMS) of the Temporal cluster it is pointed at.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm install honours package-lock.json; npm ci rejects a lockfile without the other platforms of @swc/core
RUN npm install --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY common ./common
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
USER node
ENV NODE_ENV=production
CMD ["node_modules/.bin/tsx", "workers/main.ts"]
