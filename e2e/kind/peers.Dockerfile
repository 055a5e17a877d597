# The real MCP peers of the end-to-end tests as an image: @modelcontextprotocol/server-everything and the
# @modelcontextprotocol/sdk client with the agent scenarios, pinned by e2e/local/package-lock.json.
#   docker build -f e2e/kind/peers.Dockerfile -t mcp-warden/e2e-peers:e2e e2e/local
FROM node:20-bookworm-slim
WORKDIR /e2e
COPY package.json package-lock.json .npmrc ./
# The kubectl/helm layer package is for the build machines' tests, not for the peers.
RUN npm ci --no-audit --no-fund --loglevel=error && rm -rf node_modules/@aws-cdk && npm cache clean --force
COPY agent.mjs loopback.mjs show-receipts.mjs ./
USER 1000:1000
