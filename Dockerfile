# The worker image, built in stages as Temporal's production sample builds its worker: compile the TypeScript
# and bundle the workflows once (build), install only what runs (production-deps), and ship just those two.
# It polls both task queues (main and KMS) of the Temporal cluster it is pointed at.
FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install honours package-lock.json; npm ci rejects a lockfile without the other platforms of @swc/core
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY common ./common
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY client ./client
RUN npm run build

FROM node:26-trixie-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund

FROM node:26-trixie-slim
WORKDIR /app
COPY package.json ./
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
ENV NODE_ENV=production
CMD ["node", "dist/workers/main.js"]
